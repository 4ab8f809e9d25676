"""Settings: the one place that decides which database, which data folder and which bucket.

Every value comes from a flag (the CLI passes it in) or an environment variable; secrets are
never stored here: boto3 finds credentials through its own chain (env, profile, role).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # built on demand: `prm --help` needs neither SQLAlchemy nor boto3
    from sqlalchemy import Engine

    from tasks.storage.store import ObjectStore


class Settings(BaseSettings):
    """prm's settings, read from PRM_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="PRM_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="embedded database and work files")
    source: str = Field(default="data/sample", description="what deployments read by default")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; None = SQLite")
    s3_endpoint_url: str | None = Field(default=None, description="empty = AWS")
    s3_bucket: str | None = None
    s3_prefix: str = "reports"
    manifest_key: SecretStr | None = Field(
        default=None, description="HMAC key signing manifest.json on publish, checked by fetch"
    )
    link_hours: int = Field(
        default=24, ge=1, le=168, description="how long the run's presigned report link lasts"
    )
    report_settings: Path | None = Field(
        default=None, description="TOML file over tasks/report/templates/report.toml"
    )

    def db_url(self) -> str:
        """The database URL: PRM_DATABASE_URL, else an SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'prm.db').resolve()}"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with non-empty overrides (flags win)."""
    values = {k: v for k, v in overrides.items() if v not in (None, "")}
    return Settings(**values)


@dataclass(frozen=True)
class Resources:
    """What a run works with, built once at the edge (a command, a flow) and passed down."""

    engine: "Engine"
    store: "ObjectStore"
    data_dir: Path


def build_resources(settings: Settings) -> Resources:
    """The database engine and the object store the settings name."""
    return Resources(database_engine(settings), object_store(settings), settings.data_dir)


def database_engine(settings: Settings) -> "Engine":
    """The engine of the settings' database (one per URL)."""
    from models.db import get_engine

    return get_engine(settings.db_url())


def object_store(settings: Settings) -> "ObjectStore":
    """The object store of the settings (its S3 client is made on first use)."""
    from tasks.storage.store import ObjectStore

    return ObjectStore.from_settings(settings)
