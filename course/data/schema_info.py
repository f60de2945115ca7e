"""What a DuckDB database holds, read from its own catalog, and drawn as a mermaid diagram.

``live_schema(con)`` reads ``duckdb_tables()``, ``duckdb_columns()`` and ``duckdb_constraints()``
into one :class:`TableInfo` per table (columns with types and nullability, primary key, foreign
keys, unique sets, CHECK rules).  ``diagram(tables, names)`` draws those tables as a mermaid
``erDiagram``: one box per table with its columns and PK/FK/UK marks, one line per foreign key
(a bar at the parent when the key is required, a circle when it may be empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["TableInfo", "live_schema", "diagram", "mermaid_type"]


@dataclass
class TableInfo:
    """One table as the database describes it."""

    name: str
    columns: list[tuple[str, str, bool]] = field(default_factory=list)  # name, type, nullable
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)
    unique: list[list[str]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


_HERE = "database_name = current_database() AND schema_name = current_schema()"


def live_schema(con) -> dict[str, TableInfo]:
    """Every table of the connection's current schema, by name (views and temp tables left out)."""
    names = [
        r[0]
        for r in con.execute(
            f"SELECT table_name FROM duckdb_tables() WHERE {_HERE} AND NOT internal "
            "AND NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    tables = {name: TableInfo(name) for name in names}
    for table, column, dtype, nullable in con.execute(
        f"SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        f"WHERE {_HERE} ORDER BY table_name, column_index"
    ).fetchall():
        if table in tables:
            tables[table].columns.append((column, dtype, bool(nullable)))
    for table, kind, text, columns, ref_table, ref_columns in con.execute(
        "SELECT table_name, constraint_type, constraint_text, constraint_column_names, "
        f"referenced_table, referenced_column_names FROM duckdb_constraints() WHERE {_HERE} "
        "ORDER BY table_name, constraint_index"
    ).fetchall():
        t = tables.get(table)
        if t is None:
            continue
        if kind == "PRIMARY KEY":
            t.primary_key = list(columns)
        elif kind == "FOREIGN KEY":
            t.foreign_keys.append((list(columns), ref_table, list(ref_columns)))
        elif kind == "UNIQUE":
            t.unique.append(list(columns))
        elif kind == "CHECK":
            t.checks.append(_check_text(text))
    return tables


def _check_text(text: str) -> str:
    """``CHECK((copies > 0))`` -> ``copies > 0``."""
    inner = re.sub(r"^CHECK\s*\((.*)\)$", r"\1", text.strip(), flags=re.S)
    while inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        inner = inner[1:-1]
    return " ".join(inner.split())


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def mermaid_type(dtype: str) -> str:
    """A DuckDB type as mermaid accepts it: ``DECIMAL(10,2)`` -> ``DECIMAL``, no blanks."""
    return re.sub(r"\(.*\)", "", dtype).strip().replace(" ", "_") or "UNKNOWN"


def diagram(tables: dict[str, TableInfo], order: list[str]) -> str:
    """An erDiagram of the tables in ``order``, with the links from them to any table."""
    lines = ["erDiagram"]
    for name in order:
        t = tables[name]
        fk_columns = {c for cols, _, _ in t.foreign_keys for c in cols}
        unique_columns = {cols[0] for cols in t.unique if len(cols) == 1}
        lines.append(f"    {name} {{")
        for column, dtype, _ in t.columns:
            keys = [
                k
                for k, on in (
                    ("PK", column in t.primary_key),
                    ("FK", column in fk_columns),
                    ("UK", column in unique_columns),
                )
                if on
            ]
            lines.append(
                f"        {mermaid_type(dtype)} {column}{' ' + ', '.join(keys) if keys else ''}"
            )
        lines.append("    }")
    for name in order:
        t = tables[name]
        nullable = {c for c, _, null in t.columns if null}
        for columns, parent, _ in t.foreign_keys:
            left = "|o" if any(c in nullable for c in columns) else "||"
            lines.append(f'    {parent} {left}--o{{ {name} : "{", ".join(columns)}"')
    return "\n".join(lines)
