from __future__ import annotations
from tests.browser.conftest import VisitorFactory
from tests.browser.site import LivePortal

def test_back(visitor: VisitorFactory, portal: LivePortal) -> None:
    r = visitor("en", javascript=False, label="reporter")
    r.go("/report")
    tok1 = r.page.locator("input[name=once]").input_value()
    r.field(r.t("What happened?")).fill("A long description of what happened to me at work.")
    r.press_button(r.t("Send report"), status=200)
    resp = r.page.go_back()
    print("back:", r.path(), resp and resp.status)
    tok2 = r.page.locator("input[name=once]").input_value()
    print("once", tok1, tok2, r.page.locator("input[name=once]").get_attribute("value"))
    # reload
    r.page.reload()
    print("after reload", r.page.locator("input[name=once]").input_value(), r.field(r.t("What happened?")).input_value())
