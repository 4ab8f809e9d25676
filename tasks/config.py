"""Settings: the one place that decides which database, which data folder and which bucket.

Every value comes from a flag (the CLI passes it in) or an environment variable; secrets are
never stored here: boto3 finds credentials through its own chain (env, profile, role).
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """prm's settings, read from PRM_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="PRM_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="embedded database and work files")
    source: str = Field(default="data/sample", description="what deployments read by default")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; None = SQLite")
    s3_endpoint_url: str | None = Field(default=None, description="empty = AWS")
    s3_bucket: str | None = None
    s3_prefix: str = "reports"

    def db_url(self) -> str:
        """The database URL: PRM_DATABASE_URL, else an SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'prm.db').resolve()}"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with non-empty overrides (flags win)."""
    values = {k: v for k, v in overrides.items() if v not in (None, "")}
    return Settings(**values)
