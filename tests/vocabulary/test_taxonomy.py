"""Error taxonomy: codes, Marketo free text, field names and real REST payloads."""

from __future__ import annotations

import json

import pytest

from monitor.vocabulary.taxonomy import (
    CATEGORIES,
    MARKETO_ADMIN,
    SALESFORCE_ADMIN,
    TAXONOMY,
    WRAPPER_CODES,
    classify,
    classify_all,
    classify_code,
    fields_named_in,
)
from tests.conftest import REAL_FIXTURES

REAL = REAL_FIXTURES
TAXONOMY_CASES = [
    pytest.param(code, category, owner, id=code) for code, (category, owner) in TAXONOMY.items()
]
NUMERIC_CODES = {code for code in TAXONOMY if code.isdigit()}


def load_real(relative: str) -> object:
    return json.loads((REAL / relative).read_text(encoding="utf-8"))


def in_marketo_text(code: str) -> str:
    return f"Failed to update SFDC {{{code}: some message}}"


def test_taxonomy_maps_every_code_to_a_known_category_and_owner():
    for code, (category, owner) in TAXONOMY.items():
        assert category in CATEGORIES, code
        assert category != "unknown", code
        assert owner in (SALESFORCE_ADMIN, MARKETO_ADMIN), code


def test_taxonomy_has_no_wrapper_codes():
    assert not WRAPPER_CODES & TAXONOMY.keys()


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_bare_code_gives_its_category_and_owner(code, category, owner):
    result = classify(code)
    assert (result.code, result.category, result.owner) == (code, category, owner)


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_code_gives_its_category_and_owner(code, category, owner):
    result = classify_code(code)
    assert (result.code, result.category, result.owner) == (code, category, owner)
    assert result.fields == ()


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_code_ignores_case_and_surrounding_space(code, category, owner):
    result = classify_code(f"  {code.lower()} ")
    assert (result.code, result.category, result.owner) == (code, category, owner)


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_finds_code_embedded_in_marketo_free_text(code, category, owner):
    text = in_marketo_text(code)
    result = classify(text)
    assert (result.code, result.category, result.owner) == (code, category, owner)
    assert result.message == text


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_finds_code_in_error_details_next_to_error_type(code, category, owner):
    details = f"{{{code}: some message}}"
    result = classify("Failed to update SFDC", details)
    assert (result.code, result.category, result.owner) == (code, category, owner)
    assert result.message == details


@pytest.mark.parametrize(("code", "category", "owner"), TAXONOMY_CASES)
def test_classify_reads_code_from_a_rest_error_object(code, category, owner):
    for key in ("errorCode", "statusCode", "code"):
        result = classify({key: code, "message": "some message"})
        assert (result.code, result.category, result.owner) == (code, category, owner), key


@pytest.mark.parametrize(
    "error",
    [
        "SOME_NEW_CODE",
        in_marketo_text("SOME_NEW_CODE"),
        "999",
        "garbage text without a code",
        "",
        {"errorCode": "NOT_A_REAL_CODE", "message": "?"},
    ],
)
def test_classify_unknown_code_falls_in_category_unknown(error):
    result = classify(error)
    assert result.category == "unknown"
    assert result.code not in TAXONOMY


def test_classify_keeps_an_unknown_code_like_word_as_the_code():
    assert classify(in_marketo_text("SOME_NEW_CODE")).code == "SOME_NEW_CODE"


def test_classify_code_of_an_unknown_code_is_unknown():
    result = classify_code("NOPE_NOT_LISTED")
    assert (result.code, result.category) == ("NOPE_NOT_LISTED", "unknown")


def test_classify_code_of_empty_code_is_named_unknown():
    assert classify_code("").code == "UNKNOWN"


def test_classify_skips_a_wrapper_code_in_free_text_for_the_real_cause():
    text = "PROCESSING_HALTED: rolled back; UNABLE_TO_LOCK_ROW: unable to obtain exclusive access"
    assert classify(text).code == "UNABLE_TO_LOCK_ROW"


def test_fields_named_in_reads_unable_to_create_update_fields():
    message = (
        "Unable to create/update fields: Lead_Score__c, Rating. Please check the security "
        "settings of this field and verify that it is read/write for your profile or "
        "permission set."
    )
    assert fields_named_in(message) == ("Lead_Score__c", "Rating")


def test_fields_named_in_reads_required_fields_are_missing():
    assert fields_named_in("Required fields are missing: [LastName, Company]") == (
        "LastName",
        "Company",
    )


def test_fields_named_in_reads_no_such_column():
    message = "No such column 'Foo__c' on entity 'Lead'"
    assert fields_named_in(message) == ("Foo__c",)


def test_fields_named_in_finds_nothing_in_a_message_without_fields():
    assert fields_named_in("unable to obtain exclusive access to this record") == ()
    assert fields_named_in("") == ()


def test_fields_named_in_lists_a_field_once():
    message = "Required fields are missing: [LastName, LastName]"
    assert fields_named_in(message) == ("LastName",)


def test_classify_marketo_free_text_names_the_fields_of_its_details():
    result = classify(
        "Failed to update SFDC",
        "{INVALID_FIELD_FOR_INSERT_UPDATE: Unable to create/update fields: Lead_Score__c, "
        "Rating. Please check the security settings of this field.}",
    )
    assert result.code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert result.category == "permission"
    assert result.fields == ("Lead_Score__c", "Rating")


def test_classify_code_puts_payload_fields_before_fields_found_in_the_message():
    result = classify_code(
        "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName, Company]", ["Company"]
    )
    assert result.fields == ("Company", "LastName")


def test_real_query_invalid_type_400_is_a_salesforce_permission_error():
    result = classify(load_real("salesforce/error_query_invalid_type_400.json"))
    assert (result.code, result.category, result.owner) == (
        "INVALID_TYPE",
        "permission",
        SALESFORCE_ADMIN,
    )
    assert "sObject type 'Xyzzy' is not supported" in result.message


def test_real_composite_partial_failure_finds_only_the_failed_subrequest():
    payload = load_real("salesforce/composite_partial_failure_invalid_type.json")
    found = classify_all(payload)
    assert [e.code for e in found] == ["INVALID_TYPE"]
    assert classify(payload).category == "permission"


def test_real_composite_not_found_404_is_unknown():
    payload = load_real("salesforce/composite_error_not_found_404.json")
    result = classify(payload)
    assert (result.code, result.category) == ("NOT_FOUND", "unknown")
    assert result.message == "The requested resource does not exist"


@pytest.mark.parametrize(
    ("payload", "code", "category", "owner", "fields"),
    [
        pytest.param(
            "composite_allornone_failure_processing_halted.json",
            "INVALID_FIELD",
            "permission",
            SALESFORCE_ADMIN,
            ("Invoice_External_Id__c",),
            id="all-or-none-failure-classifies-the-cause-not-processing-halted",
        ),
        pytest.param(
            "composite_sobjects_cannot_update_converted_lead.json",
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "data_quality",
            MARKETO_ADMIN,
            (),
            id="cannot-update-converted-lead-is-data-quality-for-the-marketo-admin",
        ),
        # Named both in `fields` and in the message text: listed once.
        pytest.param(
            "composite_sobjects_required_field_missing.json",
            "REQUIRED_FIELD_MISSING",
            "validation",
            SALESFORCE_ADMIN,
            ("Name",),
            id="required-field-missing-names-the-field-once",
        ),
    ],
)
def test_real_salesforce_payload_classifies_with_its_owner_and_fields(
    payload, code, category, owner, fields
):
    result = classify(load_real(f"salesforce/{payload}"))
    assert (result.code, result.category, result.owner) == (code, category, owner)
    assert result.fields == fields


def test_real_all_or_none_failure_lists_wrapper_and_cause_with_classify_all():
    payload = load_real("salesforce/composite_allornone_failure_processing_halted.json")
    found = classify_all(payload)
    assert [e.code for e in found] == ["PROCESSING_HALTED", "INVALID_FIELD"]
    assert found[0].category == "unknown"
    assert found[1].fields == ("Invoice_External_Id__c",)


def test_real_invalid_email_takes_fields_from_the_payload():
    payload = load_real("salesforce/composite_sobjects_partial_failure_invalid_email.json")
    found = classify_all(payload)
    assert len(found) == 1  # the successful record has an empty errors list
    result = classify(payload)
    assert (result.code, result.category) == ("INVALID_EMAIL_ADDRESS", "data_quality")
    assert result.fields == ("email_field__c",)
    assert result.message == "email field: invalid email address: badone"


def test_real_marketo_601_is_auth_for_the_marketo_admin():
    result = classify(load_real("marketo/error_response_level_601_doc.json"))
    assert (result.code, result.category, result.owner) == ("601", "auth", MARKETO_ADMIN)
    assert result.message == "Unauthorized"


def test_marketo_606_is_a_limit():
    for error in ("606", {"code": "606", "message": "Max rate limit '100' exceeded in '20' Secs"}):
        result = classify(error)
        assert (result.code, result.category, result.owner) == ("606", "limits", MARKETO_ADMIN)


def test_classify_all_of_a_payload_without_errors_is_empty():
    assert classify_all({"compositeResponse": [{"body": {"records": []}}]}) == []
    assert classify_all([{"id": "001", "success": True, "errors": []}]) == []


def test_classify_of_a_payload_without_errors_is_unknown():
    assert classify([{"id": "001", "success": True, "errors": []}]).category == "unknown"
