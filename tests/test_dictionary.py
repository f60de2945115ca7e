"""The data dictionary agrees with the database, and says so when it does not."""

from __future__ import annotations

import copy
import re

import duckdb
import jsonschema
import pytest

from course import config
from course.data import dictionary
from course.data.dictionary import check_dictionary, load_descriptions, render_dictionary

DOC = config.repo_root() / "docs" / "data-dictionary.md"

# The course schema, written out here so the test needs no built data.
SCHEMA = """
CREATE TABLE marc_record (record_id INTEGER PRIMARY KEY, file_offset BIGINT, record_length INTEGER,
    leader VARCHAR(24), control_number VARCHAR);
CREATE TABLE marc_field (record_id INTEGER, field_seq SMALLINT, tag VARCHAR(3), ind1 VARCHAR(1),
    ind2 VARCHAR(1), value VARCHAR, PRIMARY KEY (record_id, field_seq));
CREATE TABLE marc_subfield (record_id INTEGER, field_seq SMALLINT, subfield_seq SMALLINT,
    code VARCHAR(1), value VARCHAR, PRIMARY KEY (record_id, field_seq, subfield_seq));
CREATE TABLE marc_reject (file_offset BIGINT, length INTEGER, reason VARCHAR);
CREATE TABLE bib (bib_id INTEGER PRIMARY KEY REFERENCES marc_record (record_id),
    control_number VARCHAR, lccn VARCHAR, title VARCHAR, title_remainder VARCHAR,
    responsibility VARCHAR, edition VARCHAR, publisher VARCHAR, place VARCHAR,
    pub_date_text VARCHAR, date1 SMALLINT, date_type VARCHAR, country VARCHAR, language VARCHAR,
    literary_form VARCHAR, record_type VARCHAR, bib_level VARCHAR, encoding_level VARCHAR,
    lc_call_number VARCHAR, lc_class VARCHAR, lc_class_letters VARCHAR, dewey VARCHAR,
    extent VARCHAR, main_entry VARCHAR);
CREATE TABLE bib_isbn (bib_id INTEGER REFERENCES bib (bib_id), position SMALLINT, isbn VARCHAR,
    isbn13 VARCHAR, qualifier VARCHAR, is_valid BOOLEAN, subfield VARCHAR,
    PRIMARY KEY (bib_id, position));
CREATE TABLE agent (agent_id INTEGER PRIMARY KEY, name VARCHAR, agent_type VARCHAR, dates VARCHAR);
CREATE TABLE bib_agent (bib_id INTEGER REFERENCES bib (bib_id),
    agent_id INTEGER REFERENCES agent (agent_id), tag VARCHAR, role VARCHAR, relator VARCHAR,
    position SMALLINT, PRIMARY KEY (bib_id, position));
CREATE TABLE subject (subject_id INTEGER PRIMARY KEY, heading VARCHAR, term VARCHAR,
    parent_id INTEGER REFERENCES subject (subject_id), subdivision_type VARCHAR, depth SMALLINT,
    vocabulary VARCHAR);
CREATE TABLE bib_subject (bib_id INTEGER REFERENCES bib (bib_id),
    subject_id INTEGER REFERENCES subject (subject_id), tag VARCHAR, position SMALLINT,
    PRIMARY KEY (bib_id, position));
CREATE TABLE branch (branch_id INTEGER PRIMARY KEY, code VARCHAR UNIQUE, name VARCHAR,
    branch_type VARCHAR CHECK (branch_type IN ('main', 'branch', 'storage')), opened_date DATE);
CREATE TABLE holding (holding_id INTEGER PRIMARY KEY,
    bib_id INTEGER NOT NULL REFERENCES bib (bib_id),
    branch_id INTEGER NOT NULL REFERENCES branch (branch_id), call_number VARCHAR, copies SMALLINT);
CREATE TABLE item (item_id INTEGER PRIMARY KEY, barcode VARCHAR NOT NULL UNIQUE,
    bib_id INTEGER NOT NULL REFERENCES bib (bib_id),
    holding_id INTEGER REFERENCES holding (holding_id),
    branch_id INTEGER REFERENCES branch (branch_id), call_number VARCHAR, collection VARCHAR,
    status VARCHAR, price DECIMAL(10, 2) CHECK (price >= 0), acquired_date DATE);
CREATE TABLE patron (patron_id INTEGER PRIMARY KEY, barcode VARCHAR UNIQUE, patron_type VARCHAR,
    home_branch_id INTEGER REFERENCES branch (branch_id), registered_date DATE, expiry_date DATE);
CREATE TABLE loan (loan_id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES item (item_id),
    patron_id INTEGER NOT NULL REFERENCES patron (patron_id),
    branch_id INTEGER REFERENCES branch (branch_id), checkout_date DATE NOT NULL, due_date DATE,
    return_date DATE, renewals SMALLINT);
CREATE TABLE hold (hold_id INTEGER PRIMARY KEY, bib_id INTEGER REFERENCES bib (bib_id),
    patron_id INTEGER REFERENCES patron (patron_id),
    pickup_branch_id INTEGER REFERENCES branch (branch_id), placed_date DATE, filled_date DATE,
    status VARCHAR);
CREATE TABLE vendor (vendor_id INTEGER PRIMARY KEY, code VARCHAR, name VARCHAR, country VARCHAR);
CREATE TABLE fund (fund_id INTEGER PRIMARY KEY, code VARCHAR, name VARCHAR, fiscal_year SMALLINT,
    allocated DECIMAL(10, 2));
CREATE TABLE purchase_order (order_id INTEGER PRIMARY KEY,
    vendor_id INTEGER REFERENCES vendor (vendor_id), order_date DATE, order_type VARCHAR,
    status VARCHAR);
CREATE TABLE order_line (order_line_id INTEGER PRIMARY KEY,
    order_id INTEGER REFERENCES purchase_order (order_id), bib_id INTEGER REFERENCES bib (bib_id),
    fund_id INTEGER REFERENCES fund (fund_id), quantity INTEGER, unit_price DECIMAL(10, 2),
    received_date DATE);
CREATE TABLE invoice (invoice_id INTEGER PRIMARY KEY,
    vendor_id INTEGER REFERENCES vendor (vendor_id), invoice_number VARCHAR, invoice_date DATE,
    total DECIMAL(10, 2));
CREATE TABLE invoice_line (invoice_line_id INTEGER PRIMARY KEY,
    invoice_id INTEGER REFERENCES invoice (invoice_id),
    order_line_id INTEGER REFERENCES order_line (order_line_id), description VARCHAR,
    amount DECIMAL(10, 2));
CREATE TABLE eresource (title_id INTEGER PRIMARY KEY, publication_title VARCHAR,
    print_identifier VARCHAR, online_identifier VARCHAR, date_first_issue_online DATE,
    date_last_issue_online DATE, title_url VARCHAR, first_author VARCHAR, coverage_depth VARCHAR,
    publisher_name VARCHAR, publication_type VARCHAR, access_type VARCHAR, package VARCHAR,
    vendor_id INTEGER REFERENCES vendor (vendor_id), annual_cost DECIMAL(10, 2));
CREATE TABLE eresource_usage (title_id INTEGER REFERENCES eresource (title_id), usage_month DATE,
    metric_type VARCHAR, count INTEGER, PRIMARY KEY (title_id, usage_month, metric_type));
"""


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(SCHEMA)
    yield connection
    connection.close()


def test_a_rendered_dictionary_agrees_with_its_database(con):
    text = render_dictionary(con)
    assert check_dictionary(con, text) == []
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert len(tables) == 24
    for table in tables:
        assert f"### `{table}`" in text
    assert "*(no description yet)*" not in text  # the YAML describes every column of the contract


def test_the_diagram_has_every_table_column_and_foreign_key(con):
    text = render_dictionary(con)
    diagram = re.search(r"```mermaid\n(.*?)\n```", text, re.S).group(1)
    assert diagram.splitlines()[0] == "erDiagram"
    entities = re.findall(r"^    (\w+) \{$", diagram, re.M)
    assert sorted(entities) == sorted(
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    )
    attributes = re.findall(
        r"^        ([A-Za-z][\w\[\]()-]*) (\w+)( (PK|FK|UK)(, (PK|FK|UK))*)?$", diagram, re.M
    )
    columns = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name IN (SELECT table_name FROM duckdb_tables())"
    ).fetchone()[0]
    assert len(attributes) == columns
    links = re.findall(r'^    (\w+) (\|\||\|o)--o\{ (\w+) : "([\w, ]+)"$', diagram, re.M)
    fks = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
    ).fetchone()[0]
    assert len(links) == fks == 28
    assert ("bib", "||", "holding", "bib_id") in links  # NOT NULL: exactly one bib
    assert ("subject", "|o", "subject", "parent_id") in links  # the heading hierarchy
    assert "        INTEGER item_id PK" in diagram and "        VARCHAR barcode UK" in diagram
    assert "        DECIMAL price" in diagram  # no "(10,2)": mermaid types cannot hold a comma


def test_an_extra_column_in_the_database_is_reported(con):
    text = render_dictionary(con)
    con.execute("ALTER TABLE item ADD COLUMN shelf_mark VARCHAR")
    problems = check_dictionary(con, text)
    assert "Column item.shelf_mark is in the database but not in the data dictionary." in problems
    assert "Column item.shelf_mark has no description in course/data/dictionary.yml." in problems
    assert (
        "The diagrams in the data dictionary are stale: they do not match the database." in problems
    )
    # Regenerating does not hide a missing description.
    problems = check_dictionary(con, render_dictionary(con))
    assert problems == ["Column item.shelf_mark has no description in course/data/dictionary.yml."]


def test_tables_and_columns_missing_from_either_side_are_reported(con):
    text = render_dictionary(con)
    con.execute("CREATE TABLE weeding_list (item_id INTEGER PRIMARY KEY)")
    con.execute("DROP TABLE eresource_usage")
    con.execute("ALTER TABLE invoice_line DROP COLUMN description")
    problems = check_dictionary(con, text)
    assert "Table weeding_list is in the database but not in the data dictionary." in problems
    assert "Table weeding_list has no description in course/data/dictionary.yml." in problems
    assert "Table eresource_usage is in the data dictionary but not in the database." in problems
    assert (
        "Column invoice_line.description is in the data dictionary but not in the database."
        in problems
    )


def test_a_description_missing_from_the_yaml_is_reported(con):
    words = copy.deepcopy(load_descriptions())
    del words["tables"]["item"]["columns"]["barcode"]
    del words["tables"]["vendor"]
    text = render_dictionary(con, descriptions=words)
    assert "| `barcode` | VARCHAR | unique, required | *(no description yet)* |" in text
    problems = check_dictionary(con, text, descriptions=words)
    assert sorted(problems) == [
        "Column item.barcode has no description in course/data/dictionary.yml.",
        "Table vendor has no description in course/data/dictionary.yml.",
    ]


def test_a_changed_type_or_hand_edit_in_the_document_is_reported(con):
    text = render_dictionary(con)
    edited = text.replace("| `price` | DECIMAL(10,2) |", "| `price` | DOUBLE |")
    assert edited != text
    assert check_dictionary(con, edited) == [
        "Column item.price is DECIMAL(10,2) in the database but DOUBLE in the data dictionary."
    ]
    hand_edit = text.replace("One row per physical copy", "One row per copy")
    assert hand_edit != text
    assert (
        len(check_dictionary(con, hand_edit)) == 1
        and "regenerate" in check_dictionary(con, hand_edit)[0]
    )
    no_diagram = re.sub(r"```mermaid\n.*?\n```", "", text, flags=re.S)
    assert check_dictionary(con, no_diagram) == ["The data dictionary has no mermaid diagram."]


def test_rules_come_from_the_live_constraints(con):
    text = render_dictionary(con)
    assert "- Rows must satisfy `branch_type IN ('main', 'branch', 'storage')` (check)." in text
    assert (
        "- Each row is identified by `title_id`, `usage_month`, `metric_type` (primary key)."
        in text
    )
    assert "- `parent_id` must match `subject.subject_id` (foreign key)." in text


def test_the_yaml_is_validated(tmp_path):
    words = load_descriptions()
    assert {"bib", "item", "loan", "eresource_usage"} <= set(words["tables"])
    broken = tmp_path / "broken.yml"
    broken.write_text("intro: hi\ngroups: []\ntables:\n  bib:\n    columns: {}\n", encoding="utf-8")
    with pytest.raises(jsonschema.ValidationError):
        load_descriptions(broken)


def test_the_command_writes_then_checks(con, tmp_path, capsys):
    db_file = tmp_path / "schema.duckdb"
    con.execute(f"ATTACH '{db_file}' AS f")
    con.execute("COPY FROM DATABASE memory TO f")
    con.execute("DETACH f")
    out = tmp_path / "dd.md"
    assert dictionary.main(["--db", str(db_file), "--out", str(out)]) == 0
    assert dictionary.main(["--db", str(db_file), "--out", str(out), "--check"]) == 0
    out.write_text(
        out.read_text(encoding="utf-8").replace("| `code` |", "| `kode` |", 1), encoding="utf-8"
    )
    capsys.readouterr()
    assert dictionary.main(["--db", str(db_file), "--out", str(out), "--check"]) == 1
    assert "kode is in the data dictionary but not in the database" in capsys.readouterr().out


def test_the_committed_document_describes_the_yaml_tables():
    text = DOC.read_text(encoding="utf-8")
    words = load_descriptions()
    sections = re.findall(r"^### `(\w+)`$", text, re.M)
    assert sorted(sections) == sorted(words["tables"])
    assert "*(no description yet)*" not in text


def test_the_committed_document_matches_the_built_database():
    path = config.database_path("library")
    if not path.exists():
        pytest.skip("data/library.duckdb is not built (run `course data`)")
    with duckdb.connect(str(path), read_only=True) as built:
        assert check_dictionary(built, DOC.read_text(encoding="utf-8")) == []
