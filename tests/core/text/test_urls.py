"""URL canonicalisation (Google Web Risk's rules as the model), list entries, and
links found in running text. Hosts are reserved example names."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brightline.core.signals.text import URL
from brightline.core.text import links
from brightline.core.text.links import find_links
from brightline.core.text.urls import canonicalize, lookup_keys, parse_entry
from brightline.errors import InvalidUrlError


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        # Web Risk's own examples (scheme dropped: http and https are one page)
        ("http://host/%25%32%35", "host/%25"),
        ("http://host/%25%32%35%25%32%35", "host/%25%25"),
        ("http://host/%2525252525252525", "host/%25"),
        ("http://host/asdf%25%32%35asd", "host/asdf%25asd"),
        ("http://host/%%%25%32%35asd%%", "host/%25%25%25asd%25%25"),
        ("http://www.google.com/", "www.google.com/"),
        (
            "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
            "168.188.99.26/.secure/www.ebay.com/",
        ),
        (
            "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
            "195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        ),
        (
            "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
            "host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
        ),
        ("http://3279880203/blah", "195.127.0.11/blah"),
        ("http://www.google.com/blah/..", "www.google.com/"),
        ("www.google.com/", "www.google.com/"),
        ("www.google.com", "www.google.com/"),
        ("http://www.evil.com/blah#frag", "www.evil.com/blah"),
        ("http://www.GOOgle.com/", "www.google.com/"),
        ("http://www.google.com.../", "www.google.com/"),
        ("http://www.google.com/foo\tbar\rbaz\n2", "www.google.com/foobarbaz2"),
        ("http://www.google.com/q?", "www.google.com/q?"),
        ("http://www.google.com/q?r?", "www.google.com/q?r?"),
        ("http://www.google.com/q?r?s", "www.google.com/q?r?s"),
        ("http://evil.com/foo#bar#baz", "evil.com/foo"),
        ("http://evil.com/foo;", "evil.com/foo;"),
        ("http://evil.com/foo?bar;", "evil.com/foo?bar;"),
        ("http://notrailingslash.com", "notrailingslash.com/"),
        ("http://www.gotaport.com:1234/", "www.gotaport.com:1234/"),
        ("  http://www.google.com/  ", "www.google.com/"),
        # Web Risk keeps a host's spaces (%20); we trim them, as a browser would
        ("http:// leadingspace.com/", "leadingspace.com/"),
        ("http://%20leadingspace.com/", "leadingspace.com/"),
        ("https://www.securesite.com/", "www.securesite.com/"),
        ("http://host.com/ab%23cd", "host.com/ab%23cd"),
        ("http://host.com//twoslashes?more//slashes", "host.com/twoslashes?more//slashes"),
        # and ours
        ("HTTPS://Example.COM:443/a/./b/../c//d", "example.com/a/c/d"),
        ("http://user:pw@example.com:80/", "example.com/"),
        ("http://example.com/p?b=2&a=1&c", "example.com/p?a=1&b=2&c"),
        ("http://bücher.example/ü", "xn--bcher-kva.example/%C3%BC"),
        ("hxxps://example[.]com/x", "example.com/x"),
        ("http://0xC0.0250.1.1/", "192.168.1.1/"),
    ],
)
def test_canonical_forms(raw: str, canonical: str) -> None:
    assert str(canonicalize(raw)) == canonical


@pytest.mark.parametrize("raw", ["", "ftp://example.com/", "mailto:a@example.com", "http:///x"])
def test_not_web_addresses(raw: str) -> None:
    with pytest.raises(InvalidUrlError):
        canonicalize(raw)


def test_a_too_long_url_is_refused() -> None:
    with pytest.raises(InvalidUrlError):
        URL.normalize("example.com/" + "a" * 600)


@given(st.text(alphabet="abcXYZ/.%?=&#-_~ ", max_size=40))
def test_canonicalisation_is_idempotent(path: str) -> None:
    try:
        once = str(canonicalize("http://example.com/" + path))
    except InvalidUrlError:
        return
    assert str(canonicalize(once)) == once


@given(st.text(alphabet="abcXYZ/.-_~é ", max_size=30))
def test_percent_encoding_does_not_change_the_page(path: str) -> None:
    path = path.strip()  # a URL's own leading and trailing spaces are trimmed
    plain = canonicalize("http://example.com/" + path)
    assert canonicalize("http://example.com/" + quote(path, safe="")) == plain
    assert canonicalize("http://example.com/" + quote(quote(path))) == plain


@given(st.permutations(["a=1", "b=2", "c=", "d"]))
def test_query_order_does_not_matter(params: list[str]) -> None:
    assert str(canonicalize("example.com/p?" + "&".join(params))) == "example.com/p?a=1&b=2&c=&d"


def test_entries() -> None:
    assert URL.normalize("http://Example.com") == "example.com/"
    assert URL.normalize("https://example.com/a/*") == "example.com/a/*"
    assert URL.normalize("example.com/a/b.html?y=1&x=2") == "example.com/a/b.html?x=2&y=1"
    assert URL.normalize("*.Example.com/*") == "*.example.com/*"
    assert parse_entry("example.com/*").prefix
    for bad in ("example.com/a*", "*.example.com/x", "example.com/?q=1/*"):
        with pytest.raises(InvalidUrlError):
            URL.normalize(bad)


def _matches(entry: str, url: str) -> bool:
    return URL.normalize(entry) in lookup_keys(canonicalize(url))


@pytest.mark.parametrize(
    ("entry", "url", "matched"),
    [
        ("example.com/a/page.html", "https://EXAMPLE.com/a/page.html", True),
        ("example.com/a/page.html", "http://example.com/a/page.html?x=1", True),
        ("example.com/a/page.html?x=1", "http://example.com/a/page.html?x=2", False),
        ("example.com/a/page.html", "http://example.com/a/other.html", False),
        ("example.com/a/*", "http://example.com/a/b/c", True),
        ("example.com/a/*", "http://example.com/a", True),
        ("example.com/a/*", "http://example.com/ab", False),
        ("example.com/*", "http://example.com/anything?q", True),
        ("example.com/*", "http://sub.example.com/", False),
        ("*.example.com/*", "http://deep.sub.example.com/x", True),
        ("*.example.com/*", "http://example.com/x", True),
        ("*.example.com/*", "http://notexample.com/x", False),
    ],
)
def test_pages_and_prefixes(entry: str, url: str, matched: bool) -> None:
    assert _matches(entry, url) is matched


@pytest.mark.parametrize(
    ("text", "found", "canonical"),
    [
        ("go to http://example.com/a now", "http://example.com/a", "example.com/a"),
        ("go to hxxp://example[.]com/a now", "hxxp://example[.]com/a", "example.com/a"),
        ("try example(dot)com/page.", "example(dot)com/page", "example.com/page"),
        ("try example[dot]com", "example[dot]com", "example.com/"),
        ("(see www.example.org/x?a=1)", "www.example.org/x?a=1", "www.example.org/x?a=1"),
        ("link: h**ps[:]//example.net/z", "h**ps[:]//example.net/z", "example.net/z"),
        ("visit Example.COM!", "Example.COM", "example.com/"),
    ],
)
def test_links_in_running_text(text: str, found: str, canonical: str) -> None:
    [link] = find_links(text)
    assert link.found == found == text[link.start : link.end]
    assert str(link.url) == canonical


@pytest.mark.parametrize(
    "text", ["e.g. this", "pi is 3.14", "mail me at bob@example.com", "file.x"]
)
def test_what_is_not_a_link(text: str) -> None:
    assert [str(link.url) for link in find_links(text)] == []


@given(st.text(alphabet="ab.:/-Z9 \n", max_size=40))
def test_link_candidates_are_where_the_pattern_matches(text: str) -> None:
    expected = [m.start() for m in links._CANDIDATE.finditer(text)]
    assert list(links._candidates(text)) == expected
