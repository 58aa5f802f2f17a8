"""BR201 on real code: which queries per item are worth a reviewer's time (HIGH/MEDIUM) and which are
true but cheap (LOW, hidden by default). Each class comes from judging findings on real backends;
every snippet is a minimal reproduction written for this test, with a near miss that stays visible.
"""

from __future__ import annotations

import textwrap

from backend_rules.engine.checker import check_source
from backend_rules.engine.config import Config

MODELS = """
from django.db import models

class Tag(models.Model):
    name = models.CharField(max_length=10)

class Order(models.Model):
    status = models.CharField(max_length=10)
    tags = models.ManyToManyField(Tag)

class Template(models.Model):
    statuses = models.JSONField(default=list)

    def apply(self, project):
        for status in self.statuses:
            Tag.objects.create(name=status["name"])

class Device(models.Model):
    device_type = models.ForeignKey(Tag, on_delete=models.CASCADE)
    name = models.CharField(max_length=10)

    def save(self, *args, **kwargs):
        self.name = self.device_type.name
        super().save(*args, **kwargs)
"""


def br201(code: str, path: str = "app/views.py", select: tuple[str, ...] = ("BR2",)) -> list[tuple[str, int, str]]:
    """(code, line, confidence) of every BR201/BR204 finding, LOW included."""
    source = MODELS + textwrap.dedent(code)
    config = Config(select=select, min_confidence="LOW")
    findings = check_source(source, path, config, project_loader=lambda: None)
    offset = MODELS.count("\n")
    findings = [f for f in findings if f.line > offset or f.code != "BR201" or f.confidence != "LOW"]
    return [(f.code, f.line - offset, f.confidence) for f in findings if f.code in {"BR201", "BR204"}]


# --- loops over collections small by construction -------------------------------------------

def test_keyword_arguments_settings_and_enum_members_are_low():
    code = """
    from django.conf import settings

    def tag_counts(**kwargs):
        for key, value in kwargs.items():
            Tag.objects.filter(name=key).first()
        for code in settings.LANGUAGES:
            Tag.objects.filter(name=code).count()
        for status in OrderStatus:
            Order.objects.filter(status=status).count()
    """
    # (a loop over ``settings.LANGUAGES``, an upper-case constant, is not per item at all)
    assert br201(code) == [("BR201", 6, "LOW"), ("BR201", 10, "LOW")]


def test_near_miss_loop_over_a_list_of_names_stays_high():
    code = """
    def tag_counts(names):
        for name in names:
            Tag.objects.filter(name=name).first()
    """
    assert br201(code) == [("BR201", 4, "HIGH")]


# --- one write per row of the input ------------------------------------------------------------

def test_upsert_per_item_of_the_input_is_low():
    code = """
    def save_tags(names):
        for name in names:
            Tag.objects.get_or_create(name=name)
    """
    assert br201(code) == [("BR201", 4, "LOW")]


def test_create_whose_row_is_used_in_the_loop_is_low():
    code = """
    def save_orders(rows):
        for row in rows:
            order = Order.objects.create(status=row["status"])
            if row["tags"]:
                order.tags.set(row["tags"])
    """
    assert br201(code) == [("BR201", 4, "LOW")]


def test_near_miss_plain_create_and_upsert_over_query_rows_stay_high():
    code = """
    def save_tags(names):
        for name in names:
            Tag.objects.create(name=name)
        for order in Order.objects.filter(status="new"):
            Tag.objects.get_or_create(name=order.status)
    """
    assert br201(code) == [("BR201", 4, "HIGH"), ("BR201", 6, "HIGH")]


# --- the sub-list of a request payload, helpers, other per-item work ---------------------------

def test_payload_sub_list_is_one_level_lower():
    code = """
    def update_incident(incident_in):
        for tag in incident_in.tags:
            Tag.objects.filter(name=tag.name).first()

    def update(validated_data):
        for name in validated_data["tags"]:
            Tag.objects.filter(name=name).first()
    """
    assert br201(code, "app/services.py") == [("BR201", 4, "LOW"), ("BR201", 8, "LOW")]
    assert br201(code, "app/views.py") == [("BR201", 4, "MEDIUM"), ("BR201", 8, "MEDIUM")]


def test_helper_writing_per_item_of_an_unknown_list_is_low():
    code = """
    def log_event(order):
        return Tag.objects.create(name=order.status)

    def tag_named(name):
        return Tag.objects.filter(name=name).first()

    def log_all(orders):
        for order in orders:
            log_event(order)

    def tags_of(names):
        return [tag_named(n) for n in names]

    def log_all_new():
        for order in Order.objects.filter(status="new"):
            log_event(order)
    """
    assert br201(code, "app/services.py") == [("BR201", 10, "LOW"), ("BR201", 13, "MEDIUM"), ("BR201", 17, "MEDIUM")]


def test_query_next_to_mail_or_http_per_item_is_one_level_lower():
    code = """
    import requests

    def notify(names):
        for name in names:
            tag = Tag.objects.filter(name=name).first()
            send_tag_email(tag)

    def push(names):
        for name in names:
            tag = Tag.objects.filter(name=name).first()
            requests.post("https://example.com", json={"tag": tag.name})
    """
    assert br201(code) == [("BR201", 6, "MEDIUM"), ("BR201", 11, "MEDIUM")]


# --- BR201 and BR204 do not both report one save() --------------------------------------------

def test_save_reading_a_relation_is_left_to_commit_in_loop():
    code = """
    def rename(devices):
        for device in Device.objects.filter(name=""):
            device.save()
    """
    assert br201(code, select=("BR2",)) == [("BR204", 4, "MEDIUM")]


def test_loop_over_a_json_field_of_one_row_is_low():
    source = MODELS + "\n"
    config = Config(select=("BR2",), min_confidence="LOW")
    findings = check_source(source, "app/models.py", config, project_loader=lambda: None)
    assert [(f.code, f.confidence) for f in findings] == [("BR201", "LOW")]


def test_update_with_each_rows_own_values_is_one_level_lower():
    code = """
    def import_rows(rows):
        for row in rows:
            Order.objects.filter(pk=row["id"]).update(status=row["status"])

    def close(rows):
        for row in rows:
            Order.objects.filter(pk=row["id"]).update(status="closed")
    """
    assert br201(code, "app/services.py") == [("BR201", 4, "LOW"), ("BR201", 8, "MEDIUM")]
    assert br201(code, "app/views.py") == [("BR201", 4, "MEDIUM"), ("BR201", 8, "HIGH")]


def test_importer_code_is_one_level_lower():
    code = """
    def import_comments(comments):
        for comment in comments:
            Order.objects.get(pk=comment["order"])
    """
    assert br201(code, "app/importers/github.py") == [("BR201", 4, "LOW")]
    assert br201(code, "app/importers/api.py") == [("BR201", 4, "MEDIUM")]  # an API view: HIGH, one lower
    assert br201(code, "app/services.py") == [("BR201", 4, "MEDIUM")]
