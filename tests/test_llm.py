"""The LLM writer's transport: what goes to a chat-completions endpoint, and what comes back."""

from __future__ import annotations

import json
import socket

import pytest

from newsdesk.brief.llm import Draft, DraftBullet, LLMConfig, LLMError, build_messages, request_draft

KEY_ENV = "NEWSDESK_LLM_API_KEY"

STORY = {
    "headline": "Bridge closes after inspection",
    "articles": [
        {"id": "a1", "title": "River bridge shut", "source": "Daily One", "origin": "one.example"},
        {"id": "a2", "title": "Inspectors close bridge", "source": "Two News", "origin": "two.example"},
        {"id": "a3", "title": "Bridge repairs to cost more", "source": "Three Times", "origin": "three.example"},
    ],
    "claims": [
        {"id": "c2", "text": "Repairs will take 14 months", "status": "single-source", "articles": ["a3"],
         "evidence": [{"article": "a3", "text": "The mayor said repairs would take 14 months."}]},
        {"id": "c1", "text": "The Elm Street bridge closed on Monday", "status": "consensus", "articles": ["a1", "a2"],
         "evidence": [{"article": "a1", "text": "The Elm Street bridge closed on Monday after an inspection."},
                      {"article": "a2", "text": "Inspectors shut the Elm Street bridge on Monday."}]},
    ],
    "conflicts": [
        {"topic": "repair cost", "values": [{"value": "$12 million", "articles": ["a1"]},
                                            {"value": "$15 million", "articles": ["a3"]}]},
    ],
}

GOOD = {
    "headline": "Elm Street bridge closed after inspection",
    "dek": "Inspectors shut the bridge on Monday; repairs could take 14 months.",
    "bullets": [
        {"text": "The Elm Street bridge closed on Monday after an inspection.", "citations": ["a1", "a2"],
         "consensus": True},
        {"text": "The mayor said repairs would take 14 months.", "citations": ["a3"], "consensus": False},
        {"text": "Estimates of the repair cost differ: $12 million or $15 million.", "citations": ["a1", "a3"]},
    ],
}


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    """Tests start without an API key in the environment, whatever the user has set."""
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture
def config(chat_server) -> LLMConfig:
    return LLMConfig(base_url=chat_server.base_url, model="llama3.1:8b", timeout=0.5)


def closed_port_url() -> tuple[str, socket.socket]:
    """A URL on a port that is bound but not listening: connecting is refused, and nobody can take the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return f"http://127.0.0.1:{sock.getsockname()[1]}/v1", sock


# -- good answers ---------------------------------------------------------------


def test_a_good_answer_becomes_a_draft(chat_server, config):
    chat_server.reply(json.dumps(GOOD))
    draft = request_draft(config, STORY)
    assert isinstance(draft, Draft)
    assert draft.headline == "Elm Street bridge closed after inspection"
    assert draft.dek.startswith("Inspectors shut the bridge")
    assert draft.bullets[0] == DraftBullet(
        "The Elm Street bridge closed on Monday after an inspection.", ["a1", "a2"], True)
    assert draft.bullets[1].citations == ["a3"] and draft.bullets[1].consensus is False
    assert draft.bullets[2].consensus is False  # consensus left out: false
    assert draft.model == "fake-model"  # as the endpoint reports it


def test_the_configured_model_is_used_when_the_endpoint_names_none(chat_server, config):
    answer = {"choices": [{"message": {"role": "assistant", "content": json.dumps(GOOD)}}]}
    chat_server.reply_raw(200, answer)
    assert request_draft(config, STORY).model == "llama3.1:8b"


@pytest.mark.parametrize("content", [
    "```json\n" + json.dumps(GOOD, indent=2) + "\n```",
    "```\n" + json.dumps(GOOD) + "\n```",
    "Here is the brief you asked for:\n\n" + json.dumps(GOOD) + "\n\nI hope it {helps}.",
    "<think>The {consensus} facts go first.</think>\n" + json.dumps(GOOD),
])
def test_fenced_or_chatty_answers_parse(chat_server, config, content):
    chat_server.reply(content)
    draft = request_draft(config, STORY)
    assert draft.headline == GOOD["headline"]
    assert len(draft.bullets) == 3


def test_numeric_citations_become_strings(chat_server, config):
    answer = dict(GOOD, bullets=[{"text": "A fact.", "citations": [1, "a2"], "consensus": True}])
    chat_server.reply(json.dumps(answer))
    assert request_draft(config, STORY).bullets[0].citations == ["1", "a2"]


# -- what is sent ---------------------------------------------------------------


def test_the_request_carries_model_messages_and_settings(chat_server, config):
    chat_server.reply(json.dumps(GOOD))
    request_draft(config, STORY)
    (request,) = chat_server.requests
    assert request.method == "POST" and request.path == "/v1/chat/completions"
    body = request.body
    assert body["model"] == "llama3.1:8b"
    assert body["temperature"] == 0
    assert body["max_tokens"] == 1200
    assert body["stream"] is False
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert "The mayor said repairs would take 14 months." in user  # the evidence, verbatim
    assert "Inspectors shut the Elm Street bridge on Monday." in user
    assert "two.example" in user and "$15 million" in user
    assert "authorization" not in request.headers


def test_the_prompt_states_the_rules_and_puts_consensus_first():
    system, user = build_messages(STORY)
    rules = system["content"]
    assert "90 characters" in rules and "3 to 5" in rules
    assert "ONLY facts, numbers, names and quoted words" in rules
    assert "two different origins" in rules and "ONE JSON object" in rules
    text = user["content"]
    assert text.index("[c1] status: consensus") < text.index("[c2] status: single-source")


def test_the_api_key_is_sent_only_when_set(chat_server, config, monkeypatch):
    chat_server.reply(json.dumps(GOOD))
    chat_server.reply(json.dumps(GOOD))
    monkeypatch.setenv(KEY_ENV, "")
    request_draft(config, STORY)
    monkeypatch.setenv(KEY_ENV, "sk-test-123")
    request_draft(config, STORY)
    assert "authorization" not in chat_server.requests[0].headers
    assert chat_server.requests[1].headers["authorization"] == "Bearer sk-test-123"


def test_the_api_key_never_appears_in_an_error(chat_server, config, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-secret-456")
    chat_server.reply_raw(401, {"error": {"message": "Incorrect API key provided: sk-secret-456"}})
    with pytest.raises(LLMError) as caught:
        request_draft(config, STORY)
    assert "401" in str(caught.value)
    assert "sk-secret-456" not in str(caught.value)


def test_a_server_rejecting_response_format_is_asked_again_without_it(chat_server, config):
    chat_server.reject_response_format()
    chat_server.reply(json.dumps(GOOD))
    draft = request_draft(config, STORY)
    assert draft.headline == GOOD["headline"]
    first, second = chat_server.requests
    assert "response_format" in first.body
    assert "response_format" not in second.body
    assert second.body["messages"] == first.body["messages"]


def test_a_second_400_is_an_error_and_not_retried_again(chat_server, config):
    chat_server.reply_raw(400, {"error": {"message": "bad request"}})
    chat_server.reply_raw(400, {"error": {"message": "still bad"}})
    with pytest.raises(LLMError, match="HTTP 400.*still bad"):
        request_draft(config, STORY)
    assert len(chat_server.requests) == 2


# -- failures -------------------------------------------------------------------


def test_a_slow_endpoint_times_out(chat_server, config):
    chat_server.reply_delay(3, json.dumps(GOOD))
    with pytest.raises(LLMError, match=r"timed out after 0\.5 s"):
        request_draft(config, STORY)


def test_a_closed_port_is_named_in_the_error():
    url, sock = closed_port_url()
    try:
        with pytest.raises(LLMError) as caught:
            request_draft(LLMConfig(base_url=url, model="m", timeout=2), STORY)
    finally:
        sock.close()
    message = str(caught.value)
    assert url + "/chat/completions" in message
    assert "connection refused" in message


def test_http_500_is_an_error_with_the_status(chat_server, config):
    chat_server.reply_raw(500, "model crashed: out of memory")
    with pytest.raises(LLMError, match="HTTP 500: model crashed: out of memory"):
        request_draft(config, STORY)


def test_an_empty_queue_answers_500(chat_server, config):
    with pytest.raises(LLMError, match="HTTP 500"):
        request_draft(config, STORY)


def test_a_body_that_is_not_json_is_an_error(chat_server, config):
    chat_server.reply_raw(200, "<html>Bad gateway</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(LLMError, match="not JSON"):
        request_draft(config, STORY)


def test_content_that_is_not_json_is_an_error(chat_server, config):
    chat_server.reply("Sorry, I cannot write that brief.")
    with pytest.raises(LLMError, match="not a JSON object"):
        request_draft(config, STORY)


def test_a_json_list_is_not_a_draft(chat_server, config):
    chat_server.reply(json.dumps([GOOD]))
    with pytest.raises(LLMError, match="not an object"):
        request_draft(config, STORY)


@pytest.mark.parametrize("answer", [
    {"choices": []},
    {"choices": [{"message": {"role": "assistant", "content": ""}}]},
    {"choices": [{"message": {"role": "assistant", "content": None}}]},
])
def test_no_choices_or_empty_content_is_an_error(chat_server, config, answer):
    chat_server.reply_raw(200, answer)
    with pytest.raises(LLMError, match="no choices|empty content"):
        request_draft(config, STORY)


@pytest.mark.parametrize("change, reason", [
    ({"bullets": [{"text": "A fact.", "consensus": True}]}, "bullet 1 has no citations list"),
    ({"bullets": [{"text": "A fact.", "citations": "a1"}]}, "bullet 1 has no citations list"),
    ({"bullets": [{"text": "A fact.", "citations": [["a1"]]}]}, "bullet 1 cites list"),
    ({"bullets": [{"text": "A fact.", "citations": ["a1"], "consensus": "yes"}]}, "bullet 1 has consensus"),
    ({"bullets": [{"citations": ["a1"]}]}, "bullet 1 has no text"),
    ({"bullets": ["A fact."]}, "bullet 1 is not an object"),
    ({"bullets": []}, "0 bullets"),
    ({"bullets": [GOOD["bullets"][1]] * 6}, "6 bullets"),
    ({"headline": 7}, "no headline"),
    ({"dek": None}, "no dek"),
])
def test_missing_or_ill_typed_fields_are_errors(chat_server, config, change, reason):
    chat_server.reply(json.dumps(dict(GOOD, **change)))
    with pytest.raises(LLMError, match=reason):
        request_draft(config, STORY)


def test_a_body_over_2_mb_is_refused(chat_server, config):
    chat_server.reply("x" * (3 * 1024 * 1024))
    with pytest.raises(LLMError, match="limit"):
        request_draft(config, STORY)


def test_errors_are_one_line(chat_server, config):
    chat_server.reply_raw(502, "upstream\nfailed\n\ttwice")
    with pytest.raises(LLMError) as caught:
        request_draft(config, STORY)
    assert "\n" not in str(caught.value)
    assert "upstream failed twice" in str(caught.value)
