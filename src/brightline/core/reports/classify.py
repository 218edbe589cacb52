"""The industry classification of a reported file: given, or mapped explicitly.

NCMEC's ``industryClassification`` is the industry scheme (A1, A2, B1, B2: age group
by kind of content). An item graded in that scheme carries its category as is. An
item graded in another scheme (UK A/B/C, Project VIC, DHS) gets an industry category
only through a mapping the operator wrote down (``BRIGHTLINE_REPORT_CATEGORY_MAP``);
there is no built-in mapping because the other schemes do not record the age group,
so any built-in rule would be a guess. Without a mapping the classification is left
out of the report and the report says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from brightline.core.categories import SCHEMES, normalize_category
from brightline.core.reports.model import Classification
from brightline.errors import UsageError

INDUSTRY = "industry"
CategoryMap = Mapping[tuple[str, str], str]


def parse_category_map(text: str) -> dict[tuple[str, str], str]:
    """Parse ``scheme:category=A1`` pairs, comma-separated (``uk:A=A1,uk:B=B1``)."""
    mapping: dict[tuple[str, str], str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        source, sep, target = part.partition("=")
        scheme, colon, category = source.partition(":")
        if not sep or not colon:
            raise UsageError(f"category mapping {part!r} must look like 'uk:A=A1'")
        scheme = scheme.strip().lower()
        if scheme not in SCHEMES or scheme in (INDUSTRY, "none"):
            raise UsageError(f"category mapping {part!r}: no scheme {scheme!r} to map from")
        code = normalize_category(scheme, category.strip())
        industry = normalize_category(INDUSTRY, target.strip())
        if code is None or industry is None:
            raise UsageError(f"category mapping {part!r} is missing a category")
        mapping[(scheme, code)] = industry
    return mapping


def classify(scheme: str, category: str, mapping: CategoryMap) -> Classification:
    if scheme == INDUSTRY:
        return Classification(category, scheme, category, "graded in the industry scheme")
    mapped = mapping.get((scheme, category))
    if mapped is not None:
        return Classification(
            mapped,
            scheme,
            category,
            f"graded {scheme} {category}; {mapped} by the operator's mapping "
            f"{scheme}:{category}={mapped} (BRIGHTLINE_REPORT_CATEGORY_MAP)",
        )
    return Classification(
        None,
        scheme,
        category,
        f"graded {scheme} {category}; industry classification not given: no mapping from "
        f"{scheme} {category} to the industry scheme is defined",
    )
