"""The JSON Schema of flows files and of tests files that ``omnibot schema`` prints for editors.

It is generated from the same models that read the files (:mod:`dialogs.design.schema`,
:mod:`dialogs.tools.testing`), so a key the loader knows is a key the editor completes, with the
model's description. Where the models tell the members of a union apart by a function (a step
by its kind's key, a message by its shape), the schema cannot call that function: it lists what
each member may be as ``anyOf``, since ``oneOf`` would refuse a value that fits two members
(``say: {en: Hi}`` is both a text per language and, to JSON Schema, a mapping of strings). A
mapping whose keys are names refuses any other key, as the loader does.

A file in ``tests/`` is conversation tests (a mapping) or, for ``tests/understanding.yaml``,
labelled phrases (a list): one schema takes both, so that an editor mapping ``tests/*.yaml`` to
it underlines neither.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from dialogs.design.schema import FlowFile
from dialogs.tools.labelled import LabelledDef
from dialogs.tools.testing import TestFile

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class EditorSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, with the unions told apart by a function as ``anyOf``."""

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        generated = super().tagged_union_schema(schema)
        if callable(schema["discriminator"]) and "oneOf" in generated:
            generated["anyOf"] = generated.pop("oneOf")
            generated.pop("discriminator", None)
        return generated

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        generated = super().dict_schema(schema)
        if "patternProperties" in generated:
            # keys that are names: any other key is refused, as the loader refuses it
            generated.setdefault("additionalProperties", False)
        return generated


def _document(model: type[BaseModel], title: str) -> dict[str, Any]:
    document = model.model_json_schema(schema_generator=EditorSchema)
    return {"$schema": DIALECT, **document, "title": title}


def flows_schema() -> dict[str, Any]:
    """The JSON Schema of a file in ``flows/``."""
    return _document(FlowFile, "omnibot flows file")


def tests_schema() -> dict[str, Any]:
    """The JSON Schema of a file in ``tests/``: conversation tests, or labelled phrases (whose
    keys ``properties``, ``required`` and ``additionalProperties`` do not constrain, since they
    apply to mappings only)."""
    document = _document(TestFile, "omnibot tests file")
    labelled = LabelledDef.model_json_schema(schema_generator=EditorSchema)
    document["$defs"]["LabelledDef"] = labelled
    document["type"] = ["object", "array"]
    document["items"] = {"$ref": "#/$defs/LabelledDef"}
    document["minItems"] = 1
    return document
