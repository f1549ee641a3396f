"""Writing cited briefs of news stories."""
