"""BR401/BR402's fix: the hardcoded secret is read from os.environ; the secret never leaves the file."""

from __future__ import annotations

import textwrap

from backend_rules import check_source
from backend_rules.cli import main
from backend_rules.engine.config import Config
from backend_rules.engine.fixer import apply_fixes


def _findings(source: str, codes=("BR401", "BR402")):
    return check_source(source, "app/settings.py", Config(select=codes, min_confidence="LOW"),
                        project_loader=lambda: None)


def _fixed(source: str, unsafe: bool = True):
    source = textwrap.dedent(source).removeprefix("\n")
    findings = _findings(source)
    assert findings
    fixed, applied = apply_fixes(source, findings, unsafe=unsafe)
    if applied:
        compile(fixed, "x.py", "exec")
        assert _findings(fixed) == []
    return fixed, findings


def _same(fixed: str, expected: str) -> None:
    assert fixed == textwrap.dedent(expected).removeprefix("\n")


def test_assignments_keywords_and_dict_entries_read_the_environment():
    fixed, findings = _fixed("""
        \"\"\"Settings.\"\"\"
        import redis

        DB_PASSWORD = "hunter2-prod"
        cache = redis.Redis(host="cache", password="s3cr3t-redis")
        DATABASES = {"default": {"USER": "app", "PASSWORD": "pg-Pr0d-pass"}}


        class Config:
            stripeApiKey = "stripe-live-4f9a8b"
        """)
    assert all(f.fix[0] == "unsafe" for f in findings)
    _same(fixed, """
        \"\"\"Settings.\"\"\"
        import redis
        import os

        DB_PASSWORD = os.environ["DB_PASSWORD"]
        cache = redis.Redis(host="cache", password=os.environ["REDIS_PASSWORD"])
        DATABASES = {"default": {"USER": "app", "PASSWORD": os.environ["DATABASES_PASSWORD"]}}


        class Config:
            stripeApiKey = os.environ["STRIPE_API_KEY"]
        """)


def test_known_formats_and_attributes_with_os_already_imported():
    fixed, _ = _fixed("""
        import os
        import boto3
        s3 = boto3.client("s3", aws_access_key_id="AKIA2E0A8F3B244C9986")

        def charge(stripe):
            stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
        """)
    _same(fixed, """
        import os
        import boto3
        s3 = boto3.client("s3", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"])

        def charge(stripe):
            stripe.api_key = os.environ["STRIPE_API_KEY"]
        """)


def test_only_unsafe_fixes_touch_secrets():
    source = 'DB_PASSWORD = "hunter2-prod"\n'
    fixed, _ = _fixed(source, unsafe=False)
    assert fixed == source


def test_no_fix_for_comparisons_defaults_positional_and_embedded_literals():
    source = textwrap.dedent("""
        def check(password):
            if password == "hunter2":
                return True

        def connect(host, password="changeme"):
            pass

        def notify(client):
            client.post("https://hooks.slack.com/services/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")
        """).removeprefix("\n")
    findings = _findings(source)
    assert len(findings) == 3 and all(f.fix is None for f in findings), findings


def test_os_bound_to_something_else_blocks_the_fix():
    source = 'import posixpath as os\nDB_PASSWORD = "hunter2-prod"\n'
    assert [f.fix for f in _findings(source)] == [None]


def test_the_secret_is_in_no_fix_description_json_or_sarif(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.py").write_text('API_TOKEN = "tok-9f8e7d6c5b4a3928"\nGITHUB_TOKEN = "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu"\n')
    for fmt in ("json", "sarif"):
        main(["check", "settings.py", "--no-cache", "--format", fmt, "--select", "BR401,BR402"])
        out = capsys.readouterr().out
        assert "os.environ" in out and "rotate" in out
        assert "9f8e7d6c5b4a3928" not in out and "4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu" not in out


def test_low_confidence_findings_are_not_rewritten():
    source = textwrap.dedent("""
        class TestConfig:
            API_TOKEN = "dummy-token"

        TOKEN = "123"
        """).removeprefix("\n")
    findings = _findings(source)
    assert findings and all(f.confidence == "LOW" and f.fix is None for f in findings), findings
