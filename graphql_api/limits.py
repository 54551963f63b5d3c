"""Abuse limits: depth, aliases and tokens use strawberry's extensions; cost is ours.

Cost: every selected field costs 1 × the product of the list sizes above it. A connection counts as
its `first`/`last` (a variable counts as the maximum page), any other list as `LIST_ESTIMATE`.
Fragments are expanded where they are spread, so they cannot hide cost.
"""

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)
from graphql.type import GraphQLSchema

LIST_ESTIMATE = 10


def _is_list(graphql_type) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


def _page_size(field: FieldNode) -> int | None:
    """The requested page (first/last); None when absent. A variable counts as the maximum page."""
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            return settings.GRAPHQL_MAX_PAGE_SIZE
    return None


class QueryCostRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        schema: GraphQLSchema = self.context.schema
        root = {
            "query": schema.query_type,
            "mutation": schema.mutation_type,
            "subscription": schema.subscription_type,
        }[node.operation.value]
        fragments = {
            definition.name.value: definition
            for definition in self.context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        cost = self._cost(node.selection_set, root, 1, fragments, frozenset())
        if cost > settings.GRAPHQL_MAX_COST:
            self.report_error(
                GraphQLError(
                    f"Query cost {cost} exceeds the limit of {settings.GRAPHQL_MAX_COST}: "
                    "ask for smaller pages or fewer nested lists.",
                    node,
                    extensions={"code": "query_too_costly"},
                )
            )

    def _cost(self, selection_set: SelectionSetNode, parent, multiplier: int, fragments, seen) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", {})
                definition = fields.get(selection.name.value)
                total += multiplier
                if definition is None or selection.selection_set is None:
                    continue
                named = get_named_type(definition.type)
                if (page := _page_size(selection)) is not None:
                    factor = page
                elif named.name.endswith("Connection"):
                    factor = settings.GRAPHQL_MAX_PAGE_SIZE
                elif _is_list(definition.type) and selection.name.value != "edges":  # edges: counted above
                    factor = LIST_ESTIMATE
                else:
                    factor = 1
                total += self._cost(selection.selection_set, named, multiplier * factor, fragments, seen)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.context.schema.get_type(selection.type_condition.name.value) or parent
                total += self._cost(selection.selection_set, target, multiplier, fragments, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                total += self._cost(fragment.selection_set, target, multiplier, fragments, seen | {name})
        return total


class PageSizeRule(ValidationRule):
    """`first`/`last` above the maximum page are refused before anything runs."""

    def enter_field(self, node: FieldNode, *_args):
        for argument in node.arguments or ():
            too_large = (
                argument.name.value in ("first", "last")
                and isinstance(argument.value, IntValueNode)
                and int(argument.value.value) > settings.GRAPHQL_MAX_PAGE_SIZE
            )
            if too_large:
                self.report_error(
                    GraphQLError(
                        f"'{argument.name.value}' may be at most {settings.GRAPHQL_MAX_PAGE_SIZE}.",
                        argument,
                        extensions={"code": "page_too_large"},
                    )
                )
