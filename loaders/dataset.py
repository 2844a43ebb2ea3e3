"""``load()``: a release as a Hugging Face dataset with friendly columns.

The shards follow the Hub's WebDataset convention (columns ``png``, ``cls``, ``json``); ``load`` renames and
flattens them without touching pixels:

- ``image``: ``datasets.Image(mode="L")`` (a PIL image when read),
- ``label``: ``datasets.ClassLabel`` (``features["label"].names`` / ``int2str``),
- every field of the metadata record as its own column, in record order; the record's own ``label`` string is
  ``label_name`` (``label`` is the class id).

Map-style datasets are flattened on Arrow (``Dataset.flatten`` + renames: no image re-encoding, no cache rewrite);
streaming datasets are renamed per example on undecoded bytes, the image decoded once at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

RENAMES = {"png": "image", "cls": "label"}
LABEL_NAME = "label_name"
# The webdataset loader's own columns (sample key, shard URL) stay as the Hub names them, last; `key` (the
# record's) holds the same value as `__key__`.
LOADER_COLUMNS = ("__key__", "__url__")


def friendly_features(features):
    """Features of the friendly view from the release's (png, cls, json) features."""
    from datasets import Features, Image

    record = features["json"]
    flat = {("label_name" if k == "label" else k): v for k, v in record.items()}
    loader = {k: features[k] for k in LOADER_COLUMNS if k in features}
    return Features({"image": Image(mode="L"), "label": features["cls"], **flat, **loader})


def _flatten_example(example: dict) -> dict:
    out = {"image": example["png"], "label": example["cls"]}
    for k, v in (example["json"] or {}).items():
        out[LABEL_NAME if k == "label" else k] = v
    return out


def friendly(ds):
    """The friendly view of a dataset with the release's png/cls/json columns (any of the four dataset kinds)."""
    from datasets import Dataset, DatasetDict, IterableDataset, IterableDatasetDict

    if isinstance(ds, (DatasetDict, IterableDatasetDict)):
        return type(ds)({name: friendly(split) for name, split in ds.items()})
    missing = {"png", "cls", "json"} - set(ds.column_names or [])
    if missing:
        raise ValueError(f"not a CytoImageNet dataset: columns {ds.column_names} lack {sorted(missing)}")
    features = friendly_features(ds.features)
    if isinstance(ds, Dataset):
        record = list(ds.features["json"])
        flat = ds.flatten()
        renames = {**RENAMES, **{f"json.{k}": (LABEL_NAME if k == "label" else k) for k in record}}
        out = flat.rename_columns(renames)
        return out.select_columns(list(features))
    if isinstance(ds, IterableDataset):
        # undecoded in, so the map moves bytes; the cast declares the features and decodes the image once, at the end
        return ds.decode(False).map(_flatten_example, remove_columns=["png", "cls", "json"]).cast(features)
    raise TypeError(f"expected a datasets Dataset/IterableDataset (or dict of them), got {type(ds).__name__}")


def _check_hub_card(repo_id: str, revision: Optional[str]) -> None:
    """The same refusal for a Hub repo's card, when it can be fetched; if not, `datasets` reports why."""
    from cytoimagenet.validation.release import check_card_paths

    try:
        from huggingface_hub import hf_hub_download

        card = Path(hf_hub_download(repo_id, "README.md", repo_type="dataset", revision=revision))
    except Exception:  # offline, no such repo, no card: load_dataset gives the precise error
        return
    check_card_paths(card.parent)


def load(path_or_repo: Union[str, Path], split: Optional[str] = None, streaming: bool = False,
         revision: Optional[str] = None, **kwargs):
    """A CytoImageNet release as a Hugging Face dataset: ``image`` (PIL, mode L), ``label`` (ClassLabel) and the
    metadata fields as columns.

    ``path_or_repo``: a local release folder or a Hub repo id (``ORG/NAME``, with ``revision`` a tag such as
    ``v1.0.123``, a branch or a commit). ``split=None`` gives a dict of splits. ``streaming=True`` reads the shards
    as they are iterated instead of preparing Arrow files. Other keyword arguments go to
    ``datasets.load_dataset``."""
    import datasets

    from cytoimagenet.validation.release import check_card_paths

    source = str(path_or_repo)
    local = Path(source).expanduser()
    if local.exists():
        if not (local / "README.md").is_file() and not (local / "data").is_dir():
            raise FileNotFoundError(f"{local} is not a CytoImageNet release folder (no README.md card, no data/)")
        # `datasets` follows the card's data_files wherever they point: a card naming ../x.tar, an absolute
        # path or a URL would load files that are not this release's
        check_card_paths(local)
        source = str(local)
    else:
        _check_hub_card(source, revision)
    ds = datasets.load_dataset(source, split=split, streaming=streaming, revision=revision, **kwargs)
    return friendly(ds)
