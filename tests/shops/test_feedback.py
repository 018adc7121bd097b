"""A refused console post names its form, and the page shows it there, not in the list."""

from __future__ import annotations

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template import Context, Template

from shops.feedback import for_form, form_of


def test_a_message_names_its_form_or_none():
    assert for_form("window", 3) == "for-window-3"
    assert form_of(Message(constants.ERROR, "x", extra_tags=for_form("window", 3))) == "window-3"
    assert form_of(Message(constants.ERROR, "x", extra_tags="other")) == ""
    assert form_of(Message(constants.SUCCESS, "x")) == ""


def test_the_page_list_leaves_out_what_a_form_shows():
    messages = [
        Message(constants.SUCCESS, "저장했습니다."),
        Message(
            constants.ERROR, "끝나는 시각은 시작 시각보다 늦어야 합니다.", for_form("window", 3)
        ),
    ]
    html = Template(
        "{% load dongne %}{% for m in messages|page_messages %}[{{ m }}]{% endfor %}"
        '{% form_message messages "window" 3 as e %}<{{ e }}>'
        '{% form_message messages "token" as t %}<{{ t }}>'
    ).render(Context({"messages": messages}))
    assert html == "[저장했습니다.]<끝나는 시각은 시작 시각보다 늦어야 합니다.><>"
