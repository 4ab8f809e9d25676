"""The TDAG document's own settings (header block, contact) from templates/report.toml.

The repository's file holds the defaults (the seed's values); a run may name a second TOML
file with only the keys it changes. Texts may use {next_year} and {yy} (the year TDAG meets
and its last two digits), so the document number follows the report's year.
"""

import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from tasks.errors import PrmError

DEFAULTS_FILE = Path(__file__).parent / "templates" / "report.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentHeader(_Strict):
    """The header block of an ITU-D TDAG contribution."""

    group: str
    meeting: str
    number: str
    date: date
    original: str
    source: str
    title: str
    annex_number: str

    def long_date(self) -> str:
        """The date as ITU prints it, e.g. '1 April 2025'."""
        return f"{self.date.day} {self.date:%B %Y}"

    def timestamp(self) -> datetime:
        """The date as the documents' fixed creation time (never the time of the run)."""
        return datetime.combine(self.date, time(0), tzinfo=UTC)


class Contact(_Strict):
    """Who to contact about the document."""

    name: str
    phone: str
    email: str


class DocumentSettings(_Strict):
    """Everything the document says about itself, for one report year."""

    document: DocumentHeader
    contact: Contact


def load_document_settings(year: int, override: Path | None = None) -> DocumentSettings:
    """The settings of the report of `year`: the repository's file, then `override`'s keys.

    Raises:
        PrmError: a file cannot be read, is not TOML, or holds an unknown or invalid key.
    """
    merged: dict = {}
    for path in (DEFAULTS_FILE, *([Path(override)] if override else [])):
        data = _read_toml(path)
        for_year = data.pop("years", {}).get(str(year), {})
        _merge(merged, data)
        _merge(merged, for_year)
    tokens = {"next_year": str(year + 1), "yy": f"{(year + 1) % 100:02d}"}
    try:
        return DocumentSettings.model_validate(_fill(merged, tokens))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PrmError(f"report settings: {where}: {first['msg']}") from None


def _read_toml(path: Path) -> dict:
    """A TOML file as a dict, or one clear error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PrmError(f"report settings {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PrmError(f"report settings {path}: not valid TOML ({exc})") from None


def _merge(into: dict, data: dict) -> None:
    """Merge `data` into `into`, table by table (a later value wins)."""
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _fill(data: object, tokens: dict[str, str]) -> object:
    """Every text of `data` with {next_year} and {yy} replaced."""
    if isinstance(data, dict):
        return {key: _fill(value, tokens) for key, value in data.items()}
    if isinstance(data, str):
        for token, value in tokens.items():
            data = data.replace("{" + token + "}", value)
    return data
