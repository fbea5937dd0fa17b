"""Settings from the environment: defaults, parsing, one-line errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from falsafa.config import VARIABLES, ConfigError, Settings, markdown_table, origin_of


def test_defaults_are_local_and_offline() -> None:
    settings = Settings.from_env({})
    assert (settings.bind_host, settings.bind_port) == ("127.0.0.1", 8000)
    assert settings.roles == {"api", "worker"}
    assert settings.store == "sqlite" and settings.sqlite_path == Path("var/falsafa.sqlite3")
    assert settings.offline and settings.queue == "processing_queue"
    assert settings.download_timeout == 120.0
    assert settings.storage_origins == frozenset()


def test_one_declaration_drives_the_defaults_the_parser_and_the_table() -> None:
    assert Settings.from_env({}) == Settings()
    assert [v.attribute for v in VARIABLES] == [f.name for f in dataclasses.fields(Settings)]
    for variable in VARIABLES:
        assert getattr(Settings(), variable.attribute) == variable.parse(variable.default)
        assert f"| `{variable.name}` |" in markdown_table()
    assert "x4 each retry, max 300." in markdown_table()  # from BACKOFF_FACTOR and its cap


def test_every_field_has_a_documented_variable() -> None:
    names = {v.name for v in VARIABLES}
    assert len(names) == len(VARIABLES), "each variable declared once"
    table = markdown_table()
    for name in names:
        assert f"`{name}`" in table


def test_supabase_url_gives_the_default_storage_origin() -> None:
    settings = Settings.from_env(
        {
            "FALSAFA_STORE": "supabase",
            "SUPABASE_URL": "https://Proj.supabase.co/",
            "SUPABASE_SERVICE_ROLE_KEY": "secret",
        }
    )
    assert settings.storage_origins == {"https://proj.supabase.co"}
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"FALSAFA_BIND": "8000"}, "FALSAFA_BIND"),
        ({"FALSAFA_BIND": "host:99999"}, "FALSAFA_BIND"),
        ({"FALSAFA_ROLES": "api,cron"}, "FALSAFA_ROLES"),
        ({"FALSAFA_STORE": "mysql"}, "FALSAFA_STORE"),
        ({"FALSAFA_STORE": "supabase"}, "SUPABASE_URL"),
        (
            {"FALSAFA_STORE": "supabase", "SUPABASE_URL": "https://x.supabase.co"},
            "SUPABASE_SERVICE_ROLE_KEY",
        ),
        ({"SUPABASE_URL": "x.supabase.co"}, "SUPABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"FALSAFA_STORAGE_ORIGINS": "https://a.com/path"}, "FALSAFA_STORAGE_ORIGINS"),
        ({"FALSAFA_STORAGE_ORIGINS": "ftp://a.com"}, "FALSAFA_STORAGE_ORIGINS"),
        ({"FALSAFA_LOCK_TTL": "0"}, "FALSAFA_LOCK_TTL"),
        ({"FALSAFA_CONSUMERS": "two"}, "FALSAFA_CONSUMERS"),
        ({"FALSAFA_LOG_LEVEL": "LOUD"}, "FALSAFA_LOG_LEVEL"),
        ({"OPENAI_BASE_URL": "not a url"}, "OPENAI_BASE_URL"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    message = str(info.value)
    assert message.startswith(variable) and "\n" not in message


def test_origins_are_normalised() -> None:
    assert origin_of("HTTPS://Example.COM:443/x") == "https://example.com"
    assert origin_of("http://127.0.0.1:80") == "http://127.0.0.1"
    assert origin_of("http://[::1]:9000/a") == "http://[::1]:9000"
    settings = Settings.from_env({"FALSAFA_STORAGE_ORIGINS": " https://a.com , http://b:81 "})
    assert settings.storage_origins == {"https://a.com", "http://b:81"}
