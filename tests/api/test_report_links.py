"""The HTML report links each municipality page to its API URL; the base comes from Settings.api_base_url
(KOMMUNE_SDG_API_URL) through the data_home resource, and the link's path answers on the real server."""

from __future__ import annotations

import re

from pipeline.api.query import MAX_PAGE_SIZE
from pipeline.reports.build import PAGES_SUBDIR
from testkit.api_server import ApiProcess
from tests.api.conftest import REPORT_API_URL, Published, get


def test_every_municipality_page_links_to_its_api_url(published: Published, api: ApiProcess) -> None:
    pages = sorted((published.home.reports_dir / PAGES_SUBDIR).glob("*.html"))
    codes = [m["municipality_code"] for m in
             get(api, f"/v1/municipalities?page_size={MAX_PAGE_SIZE}&fields=municipality_code").json()["data"]]
    assert [p.stem for p in pages] == codes
    link = re.compile(r'<a href="([^"]+)" data-api="municipality">')
    for page in pages:
        hrefs = link.findall(page.read_text(encoding="utf-8"))
        assert hrefs == [f"{REPORT_API_URL}/v1/municipalities/{page.stem}"], page
    # the configured base stands in front of the server's own paths: each one answers for its municipality
    for page in pages[:: max(1, len(pages) // 12)]:
        path = link.findall(page.read_text(encoding="utf-8"))[0].removeprefix(REPORT_API_URL)
        body = get(api, path).json()
        assert body["data"]["municipality_code"] == page.stem
    index = (published.home.reports_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="{REPORT_API_URL}/docs"' in index
