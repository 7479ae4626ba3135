"""The ceiling the intake benchmark compares against: FastAPI inserting one row per POST, nothing else.

    DATABASE_URL=sqlite:///x.sqlite3 uvicorn --app-dir bench bare_insert_app:app

The same engine settings as the product (core.db.make_engine: WAL and synchronous=NORMAL on
SQLite, the same pool on PostgreSQL), the same JSON body, a plain `def` route like the product's.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func, insert

from core.db import make_engine

engine = make_engine(os.environ["DATABASE_URL"])
metadata = MetaData()
bare = Table("bare_request", metadata, Column("id", Integer, primary_key=True), Column("text", Text, nullable=False),
             Column("external_id", String(128), unique=True),
             Column("created_at", DateTime(timezone=True), server_default=func.now()))
metadata.create_all(engine)
app = FastAPI()


class RequestIn(BaseModel):
    text: str = Field(max_length=2000)
    external_id: str | None = Field(default=None, max_length=128)


@app.post("/api/v1/requests", status_code=201)
def create(body: RequestIn) -> dict:
    with engine.begin() as conn:
        new_id = conn.execute(insert(bare).values(text=body.text, external_id=body.external_id)).inserted_primary_key[0]
    return {"id": new_id}
