import ipaddress
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import Secret, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_env_or_file(tmp_path: Path) -> None:
    s = load_settings({}, env_file=tmp_path / "missing.env")
    assert s.discord_token is None
    assert s.max_links_per_message == 3
    assert s.fetch_allowed_networks == ()
    assert s.fetch_allowed_ports == frozenset({80, 443})
    assert s.database_url.startswith("sqlite+aiosqlite:///")


def test_environment_over_file_over_default(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_LINKS_PER_MESSAGE=5\nLOG_LEVEL=debug\nDISCORD_TOKEN=from-file\n")
    s = load_settings({"MAX_LINKS_PER_MESSAGE": "7"}, env_file=env_file)
    assert s.max_links_per_message == 7
    assert s.log_level == "DEBUG"
    assert s.discord_token == Secret("from-file")


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    env = {
        "MAX_LINKS_PER_MESSAGE": "many",
        "FETCH_ALLOWED_NETWORKS": "10.0.0.0/8,not-a-net",
        "FETCH_TOTAL_TIMEOUT": "-1",
        "LOG_LEVEL": "LOUD",
    }
    with pytest.raises(SettingsError) as info:
        load_settings(env, env_file=None)
    keys = [p.split(":")[0] for p in info.value.problems]
    assert sorted(keys) == sorted(env)


def test_unknown_key_in_file_is_a_problem(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_LINKS_PER_MESAGE=5\n")
    with pytest.raises(SettingsError, match="MAX_LINKS_PER_MESAGE"):
        load_settings({}, env_file=env_file)


def test_networks_parsed() -> None:
    s = load_settings({"FETCH_ALLOWED_NETWORKS": "127.0.0.0/8, ::1/128"}, env_file=None)
    assert s.fetch_allowed_networks == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )


def test_secret_never_prints() -> None:
    s = load_settings({"DISCORD_TOKEN": "hunter2-token"}, env_file=None)
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)
    assert s.discord_token is not None and s.discord_token.reveal() == "hunter2-token"


def test_malformed_secret_like_value_not_echoed() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"FETCH_MAX_BYTES": "s3cr3t-value"}, env_file=None)
    assert "s3cr3t" not in str(info.value)


def test_env_example_lists_every_setting_with_its_default() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert list(pairs) == Settings.keys()
    assert load_settings({}, env_file=ROOT / ".env.example") == Settings()


def test_negative_counts_are_refused() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"FETCH_MAX_REDIRECTS": "-1", "CATCH_UP_MINUTES": "-5"}, env_file=None)
    assert sorted(p.split(":")[0] for p in info.value.problems) == [
        "CATCH_UP_MINUTES",
        "FETCH_MAX_REDIRECTS",
    ]
    assert load_settings({"FETCH_MAX_REDIRECTS": "0"}, env_file=None).fetch_max_redirects == 0


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("False", False), (" no ", False), ("on", True)]
)
def test_switches_read_the_usual_words(raw: str, value: bool) -> None:
    assert load_settings({"PARSE_PRELOAD": raw}, env_file=None).parse_preload is value


def test_a_switch_that_is_neither_says_so() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"PARSE_PRELOAD": "maybe"}, env_file=None)
    assert info.value.problems == ["PARSE_PRELOAD: must be true or false"]


def test_shards_default_to_every_shard_of_discords_count() -> None:
    s = load_settings({}, env_file=None)
    assert s.shard_count is None and s.shard_ids is None
    assert s.commands_only is False and s.health_log_minutes == 15


def test_shard_ids_are_read_sorted_below_the_count() -> None:
    s = load_settings({"SHARD_COUNT": "4", "SHARD_IDS": " 3, 1 "}, env_file=None)
    assert s.shard_count == 4 and s.shard_ids == (1, 3)
    assert load_settings({"SHARD_COUNT": "2"}, env_file=None).shard_ids is None


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"SHARD_IDS": "0"}, "needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "below SHARD_COUNT (2)"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, "each once"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "-1"}, "0 or more"),
        ({"SHARD_COUNT": "0"}, "at least 1"),
        ({"COMMANDS_ONLY": "maybe"}, "true or false"),
    ],
)
def test_malformed_shards_are_refused(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env, env_file=None)
    [problem] = info.value.problems
    assert says in problem


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("1", True), ("FALSE", False)])
def test_commands_only_is_a_boolean(raw: str, value: bool) -> None:
    assert load_settings({"COMMANDS_ONLY": raw}, env_file=None).commands_only is value
