"""Licences of the source datasets: SPDX-style ids with the terms a release must honour.

A catalog entry's `licence` is one of these ids. The flags are what the builder's licence policy reads: a
release that merges, normalises and crops images makes derivatives, so no-derivatives material may not go in,
and the release as a whole carries the most restrictive terms of what went in."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    link: Optional[str] = None  # the licence text; None for "unknown" and terms without a public text
    attribution: bool = True
    noncommercial: bool = False
    sharealike: bool = False
    noderivatives: bool = False
    # CC0 / public domain, CC BY: what the policy calls "open"
    open: bool = False
    known: bool = True  # False: the terms are not established; a release that uses it says so


def _cc(version: str, *terms: str) -> Licence:
    suffix = "-".join(t.upper() for t in terms)
    spdx = f"CC-BY-{suffix}-{version}" if terms else f"CC-BY-{version}"
    words = {"nc": "NonCommercial", "sa": "ShareAlike", "nd": "NoDerivatives"}
    name = "Creative Commons Attribution" + "".join(f"-{words[t]}" for t in terms) + f" {version}"
    path = "by" + "".join(f"-{t}" for t in terms)
    return Licence(
        id=spdx, name=name, link=f"https://creativecommons.org/licenses/{path}/{version}/",
        noncommercial="nc" in terms, sharealike="sa" in terms, noderivatives="nd" in terms, open=not terms,
    )


LICENCES: dict[str, Licence] = {
    lic.id: lic
    for lic in [
        Licence(id="CC0-1.0", name="Creative Commons Zero v1.0 Universal",
                link="https://creativecommons.org/publicdomain/zero/1.0/", attribution=False, open=True),
        *(_cc(v) for v in ("2.0", "3.0", "4.0")),
        *(_cc(v, "sa") for v in ("3.0", "4.0")),
        *(_cc(v, "nc") for v in ("3.0", "4.0")),
        *(_cc(v, "nc", "sa") for v in ("3.0", "4.0")),
        *(_cc(v, "nc", "nd") for v in ("3.0", "4.0")),
        *(_cc(v, "nd") for v in ("4.0",)),
        # Kaggle competition data: the competition's rules bind the downloader (typically non-commercial
        # research use); no public licence text lets it be redistributed
        Licence(id="LicenseRef-Kaggle-Competition", name="Kaggle competition rules (research use)",
                noncommercial=True, noderivatives=False),
        Licence(id="unknown", name="unknown: the distributor states no licence", known=False),
    ]
}


def get_licence(licence_id: str) -> Licence:
    try:
        return LICENCES[licence_id]
    except KeyError:
        raise ValueError(f"unknown licence id {licence_id!r}; known: {', '.join(sorted(LICENCES))}") from None


# What `build --licences` lets into a release. No-derivatives material never goes in unless named with
# --allow-noderivatives: every image of a release is a derivative (merged, normalised, cropped).
POLICIES = {
    "open": "CC0 and CC BY only: free for any use with attribution",
    "noncommercial": "also non-commercial and share-alike terms (CC BY-NC, CC BY-SA, CC BY-NC-SA, Kaggle rules)",
    "all": "every licence, including unknown terms (the card says which sources' terms are unknown)",
}


def excluded_by(licence: Licence, policy: str, allow_noderivatives: bool = False) -> str | None:
    """Why `policy` keeps a source of this licence out of a release, or None when it may go in."""
    if policy not in POLICIES:
        raise ValueError(f"unknown licence policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if licence.noderivatives and not allow_noderivatives:
        return (f"{licence.id} forbids derivatives, and every release image is one (merged, normalised, cropped); "
                "pass --allow-noderivatives only for a private build you will not share")
    if policy == "open" and not (licence.open and licence.known):
        return f"{licence.id} is not an open licence (--licences open keeps CC0 and CC BY only)"
    if policy == "noncommercial" and not licence.known:
        return f"{licence.id}: the terms are not established (--licences all takes it)"
    return None


def release_terms(licences: list[Licence]) -> dict:
    """The terms of a release as a whole: the most restrictive of what went in (attribution, non-commercial,
    share-alike and no-derivatives each hold for the release if they hold for any of its sources)."""
    ids = sorted({lic.id for lic in licences})
    flags = {f: any(getattr(lic, f) for lic in licences) for f in ("attribution", "noncommercial", "sharealike",
                                                                     "noderivatives")}
    unknown = sorted(lic.id for lic in licences if not lic.known)
    if len(ids) == 1:
        only = licences[0]
        return {"ids": ids, **flags, "unknown": unknown, "single": only.id, "name": only.name, "link": only.link}
    words = [w for f, w in (("attribution", "attribution"), ("noncommercial", "non-commercial use only"),
                            ("sharealike", "share-alike"), ("noderivatives", "no derivatives")) if flags[f]]
    name = "mixed source licences: " + (", ".join(words) or "no conditions") + (
        f"; terms unknown for {', '.join(unknown)}" if unknown else "")
    return {"ids": ids, **flags, "unknown": unknown, "single": None, "name": name, "link": None}
