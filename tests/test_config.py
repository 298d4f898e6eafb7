"""Settings: nesting, standard aliases, README completeness, one-line misconfiguration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from colmeia.config import (
    STANDARD_ENV_NAMES,
    ConfigurationError,
    Environment,
    env_names,
    load_settings,
)

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient COLMEIA_/standard variables or .env file leak into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("COLMEIA_") or name in STANDARD_ENV_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


class TestSettings:
    def test_defaults_need_no_configuration(self) -> None:
        settings = load_settings()
        assert settings.environment is Environment.development
        assert settings.database_url.startswith("sqlite:///")
        assert settings.redis.url is None
        assert settings.uses_simulated_llm

    def test_nested_names(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COLMEIA_SERVER__PORT", "9123")
        monkeypatch.setenv("COLMEIA_WORKER__HEARTBEAT_TTL_S", "2.5")
        settings = load_settings()
        assert settings.server.port == 9123
        assert settings.worker.heartbeat_ttl_s == 2.5

    def test_standard_names_are_aliases(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/app")
        monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        settings = load_settings()
        assert settings.database_url == "postgresql://u@db/app"
        assert settings.redis.url == "redis://cache:6379/0"
        assert settings.llm.openai_api_key is not None
        assert settings.llm.openai_api_key.get_secret_value() == "sk-test"
        assert "sk-test" not in repr(settings)
        assert not settings.uses_simulated_llm

    def test_colmeia_names_win_over_standard_names(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("REDIS_URL", "redis://standard:6379/0")
        monkeypatch.setenv("COLMEIA_REDIS__URL", "redis://ours:6379/0")
        assert load_settings().redis.url == "redis://ours:6379/0"

    def test_dotenv_file_is_read(self, tmp_path: Path) -> None:
        (tmp_path / ".env").write_text("COLMEIA_SERVER__PORT=9555\n")
        assert load_settings().server.port == 9555

    @pytest.mark.parametrize(
        ("name", "value", "named"),
        [
            ("COLMEIA_SERVER__PORT", "not-a-port", "COLMEIA_SERVER__PORT"),
            ("COLMEIA_SERVER__PORT", "70000", "COLMEIA_SERVER__PORT"),
            ("COLMEIA_LOG_LEVEL", "LOUD", "COLMEIA_LOG_LEVEL"),
            ("COLMEIA_ENVIRONMENT", "staging", "COLMEIA_ENVIRONMENT"),
        ],
    )
    def test_bad_values_fail_with_one_line(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
    ) -> None:
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError) as raised:
            load_settings()
        message = str(raised.value)
        assert named in message
        assert "\n" not in message

    def test_production_requires_a_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COLMEIA_ENVIRONMENT", "production")
        with pytest.raises(ConfigurationError, match="COLMEIA_AUTH__SECRET_KEY"):
            load_settings()


class TestReadme:
    def test_every_setting_is_documented(self) -> None:
        text = README.read_text()
        missing = [name for name in env_names() if f"`{name}`" not in text]
        assert not missing, f"settings missing from README.md: {missing}"

    def test_every_standard_alias_is_documented(self) -> None:
        text = README.read_text()
        missing = [name for name in STANDARD_ENV_NAMES if f"`{name}`" not in text]
        assert not missing, f"aliases missing from README.md: {missing}"


class TestCommandLine:
    def test_misconfiguration_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        env = {"PATH": "/usr/bin:/bin", "COLMEIA_SERVER__PORT": "nope", "HOME": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-m", "colmeia", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("colmeia: invalid configuration: COLMEIA_SERVER__PORT")
