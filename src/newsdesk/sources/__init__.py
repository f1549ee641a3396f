"""Sources: where articles come from (files, web pages, feeds, OPML subscription lists)."""
