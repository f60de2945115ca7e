"""Table definitions of the seeded library system, and writing the generated rows into DuckDB.

Every table has a primary key; foreign keys are declared to ``bib`` when ``bib.bib_id`` is a
primary key there, and between the library tables always.  CHECK constraints hold the
controlled values (branch types, order types, statuses, COUNTER metrics) so that module 05 can
show learners a database that refuses bad rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["LIBRARY_TABLES", "TABLE_DDL", "drop_library_tables", "write_table", "bib_reference"]

_ITEM_STATUSES = (
    "'Available', 'Checked out', 'In transit', 'On holds shelf', 'In process', 'Missing', "
    "'Lost', 'Withdrawn'"
)

#: CREATE TABLE statements, parents before children.  ``{bib}`` is the foreign key to bib.
TABLE_DDL = {
    "branch": """
        branch_id INTEGER PRIMARY KEY,
        code VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        branch_type VARCHAR NOT NULL CHECK (branch_type IN ('main', 'branch', 'storage')),
        opened_date DATE NOT NULL""",
    "holding": """
        holding_id INTEGER PRIMARY KEY,
        bib_id INTEGER NOT NULL {bib},
        branch_id INTEGER NOT NULL REFERENCES branch (branch_id),
        call_number VARCHAR NOT NULL,
        copies SMALLINT NOT NULL CHECK (copies > 0)""",
    "item": f"""
        item_id INTEGER PRIMARY KEY,
        barcode VARCHAR(14) NOT NULL UNIQUE,
        bib_id INTEGER NOT NULL {{bib}},
        holding_id INTEGER NOT NULL REFERENCES holding (holding_id),
        branch_id INTEGER NOT NULL REFERENCES branch (branch_id),
        call_number VARCHAR NOT NULL,
        collection VARCHAR NOT NULL
            CHECK (collection IN ('adult', 'juvenile', 'reference', 'special')),
        status VARCHAR NOT NULL CHECK (status IN ({_ITEM_STATUSES})),
        price DECIMAL(10, 2) NOT NULL CHECK (price >= 0),
        acquired_date DATE NOT NULL""",
    "patron": """
        patron_id INTEGER PRIMARY KEY,
        barcode VARCHAR(14) NOT NULL UNIQUE,
        patron_type VARCHAR NOT NULL
            CHECK (patron_type IN ('adult', 'juvenile', 'student', 'faculty', 'staff')),
        home_branch_id INTEGER NOT NULL REFERENCES branch (branch_id),
        registered_date DATE NOT NULL,
        expiry_date DATE NOT NULL CHECK (expiry_date > registered_date)""",
    "loan": """
        loan_id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES item (item_id),
        patron_id INTEGER NOT NULL REFERENCES patron (patron_id),
        branch_id INTEGER NOT NULL REFERENCES branch (branch_id),
        checkout_date DATE NOT NULL,
        due_date DATE NOT NULL CHECK (due_date > checkout_date),
        return_date DATE CHECK (return_date >= checkout_date),
        renewals SMALLINT NOT NULL DEFAULT 0 CHECK (renewals >= 0)""",
    "hold": """
        hold_id INTEGER PRIMARY KEY,
        bib_id INTEGER NOT NULL {bib},
        patron_id INTEGER NOT NULL REFERENCES patron (patron_id),
        pickup_branch_id INTEGER NOT NULL REFERENCES branch (branch_id),
        placed_date DATE NOT NULL,
        filled_date DATE CHECK (filled_date >= placed_date),
        status VARCHAR NOT NULL CHECK (status IN
            ('Filled', 'Cancelled', 'Expired', 'Waiting', 'Ready for pickup'))""",
    "vendor": """
        vendor_id INTEGER PRIMARY KEY,
        code VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        country VARCHAR(2) NOT NULL""",
    "fund": """
        fund_id INTEGER PRIMARY KEY,
        code VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        fiscal_year SMALLINT NOT NULL,
        allocated DECIMAL(10, 2) NOT NULL,
        UNIQUE (code, fiscal_year)""",
    "fund_tree": """
        code VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        parent_code VARCHAR,
        fund_type VARCHAR NOT NULL CHECK (fund_type IN ('summary', 'allocated'))""",
    "purchase_order": """
        order_id INTEGER PRIMARY KEY,
        vendor_id INTEGER NOT NULL REFERENCES vendor (vendor_id),
        order_date DATE NOT NULL,
        order_type VARCHAR NOT NULL CHECK (order_type IN ('firm', 'standing', 'approval')),
        status VARCHAR NOT NULL CHECK (status IN ('open', 'partially received', 'closed'))""",
    "order_line": """
        order_line_id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES purchase_order (order_id),
        bib_id INTEGER NOT NULL {bib},
        fund_id INTEGER NOT NULL REFERENCES fund (fund_id),
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit_price DECIMAL(10, 2) NOT NULL,
        received_date DATE""",
    "invoice": """
        invoice_id INTEGER PRIMARY KEY,
        vendor_id INTEGER NOT NULL REFERENCES vendor (vendor_id),
        invoice_number VARCHAR NOT NULL UNIQUE,
        invoice_date DATE NOT NULL,
        total DECIMAL(10, 2) NOT NULL""",
    "invoice_line": """
        invoice_line_id INTEGER PRIMARY KEY,
        invoice_id INTEGER NOT NULL REFERENCES invoice (invoice_id),
        order_line_id INTEGER REFERENCES order_line (order_line_id),
        description VARCHAR NOT NULL,
        amount DECIMAL(10, 2) NOT NULL""",
    "eresource": """
        title_id INTEGER PRIMARY KEY,
        publication_title VARCHAR,
        print_identifier VARCHAR,
        online_identifier VARCHAR,
        date_first_issue_online DATE,
        date_last_issue_online DATE,
        title_url VARCHAR,
        first_author VARCHAR,
        coverage_depth VARCHAR,
        publisher_name VARCHAR,
        publication_type VARCHAR NOT NULL CHECK (publication_type IN ('serial', 'monograph')),
        access_type VARCHAR CHECK (access_type IN ('F', 'P')),
        package VARCHAR NOT NULL,
        vendor_id INTEGER NOT NULL REFERENCES vendor (vendor_id),
        annual_cost DECIMAL(10, 2) NOT NULL""",
    "eresource_usage": """
        title_id INTEGER NOT NULL REFERENCES eresource (title_id),
        usage_month DATE NOT NULL,
        metric_type VARCHAR NOT NULL CHECK (metric_type IN
            ('Total_Item_Requests', 'Unique_Item_Requests', 'Unique_Title_Requests')),
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (title_id, usage_month, metric_type)""",
}

#: The tables generate_library creates, parents before children.
LIBRARY_TABLES = tuple(TABLE_DDL)


def bib_reference(con: duckdb.DuckDBPyConnection) -> str:
    """``REFERENCES bib (bib_id)`` when bib_id is bib's primary key, else '' (no foreign key)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE database_name = current_database() AND schema_name = current_schema() "
        "AND table_name = 'bib' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
        "AND constraint_column_names = ['bib_id']"
    ).fetchone()
    return "REFERENCES bib (bib_id)" if row and row[0] else ""


def drop_library_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the library tables (children first), so generate_library can run again."""
    for table in reversed(LIBRARY_TABLES):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def write_table(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, bib_ref: str
) -> None:
    """Create ``table`` with its constraints and insert ``frame`` (columns matched by name)."""
    con.execute(f"CREATE TABLE {table} ({TABLE_DDL[table].format(bib=bib_ref)})")
    name = f"_library_{table}_frame"
    con.register(name, frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
    finally:
        con.unregister(name)
