"""Argument checks every field gets before its resolver runs (a schema extension: once, for all fields).

A NUL character in any string argument (PostgreSQL text cannot hold one) and a global id that does not
decode are the caller's mistakes, found by walking the arguments along their declared types. A mutation,
whose payload union has `InputError`, answers one naming each bad argument; any other field raises
`validation_error`, which `errors.ErrorMasking` shows as it is.
"""

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLResolveInfo,
    GraphQLUnionType,
    get_nullable_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryOptional

from config.errors import DomainError, ErrorCode
from graphql_api.errors import graphql_error

NUL_PROBLEM = "must not contain NUL (\\u0000) characters"
GLOBAL_ID_PROBLEM = "not a valid id"

Problems = dict[str, list[str]]


class ArgumentGuard(SchemaExtension):
    def resolve(self, _next, root, info: GraphQLResolveInfo, *args, **kwargs):
        if kwargs and (problems := argument_problems(info, kwargs)):
            error = DomainError(ErrorCode.VALIDATION_ERROR, details={"fields": problems})
            if _answers_input_error(info):
                return graphql_error(error)
            raise error
        return _next(root, info, *args, **kwargs)


def argument_problems(info: GraphQLResolveInfo, kwargs: dict[str, Any]) -> Problems:
    """`{"input.items[0].productId": ["not a valid id"], …}` for the field's arguments as sent."""
    problems: Problems = {}
    for name, argument in info.parent_type.fields[info.field_name].args.items():
        if name in kwargs:  # graphql-core keys arguments and input fields by their GraphQL names
            _check(kwargs[name], argument, name, problems)
    return problems


def _check(value: Any, holder: GraphQLArgument | GraphQLInputField, path: str, problems: Problems) -> None:
    definition = holder.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # `relay.GlobalID` and `strawberry.ID` are both `ID` in GraphQL; only the Python type tells them apart.
    is_global_id = definition is not None and _leaf(definition.type) is GlobalID
    _walk(value, holder.type, path, is_global_id, problems)


def _walk(value: Any, graphql_type: GraphQLInputType, path: str, is_global_id: bool, problems: Problems):
    graphql_type = get_nullable_type(graphql_type)
    if value is None:
        return
    if isinstance(graphql_type, GraphQLList):
        for index, item in enumerate(value):
            _walk(item, graphql_type.of_type, f"{path}[{index}]", is_global_id, problems)
    elif isinstance(graphql_type, GraphQLInputObjectType):
        for name, field in graphql_type.fields.items():
            if name in value:
                _check(value[name], field, f"{path}.{name}", problems)
    elif isinstance(value, str):
        if "\x00" in value:
            problems[path] = [NUL_PROBLEM]
        elif is_global_id and not _is_global_id(value):
            problems[path] = [GLOBAL_ID_PROBLEM]


def _leaf(strawberry_type: Any) -> Any:
    while isinstance(strawberry_type, StrawberryOptional | StrawberryList):
        strawberry_type = strawberry_type.of_type
    return strawberry_type


def _is_global_id(value: str) -> bool:
    try:
        global_id = GlobalID.from_id(value)
    except GlobalIDValueError:
        return False
    return "\x00" not in global_id.type_name + global_id.node_id


def _answers_input_error(info: GraphQLResolveInfo) -> bool:
    payload = get_nullable_type(info.return_type)
    return isinstance(payload, GraphQLUnionType) and "InputError" in {member.name for member in payload.types}
