"""Serializer bases shared by the apps' APIs."""

import copy

from rest_framework import serializers


class ModelOutputSerializer(serializers.ModelSerializer):
    # A ModelSerializer that derives its fields from the model once per class, not once per instance.
    #
    # DRF's `ModelSerializer.get_fields` inspects the model and builds every field again for each serializer
    # it creates: three quarters of the time an order's detail spends serializing. What it builds depends
    # only on the class (its Meta and declared fields), so the first instance keeps the result on the class
    # and every instance gets a deep copy, as DRF already hands out declared fields.
    # (A comment, not a docstring: drf-spectacular would show an inherited docstring as the description of
    # every subclass without its own.)

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            # Two threads may both build it first; either result is the same.
            built = super().get_fields()
            type(self)._built_fields = built
        return copy.deepcopy(built)

    def build_field(self, field_name, info, model_class, nested_depth):
        # A model field's verbose name is the admin's column header, translated per request (locale/).
        # DRF would turn it into the field's label and drf-spectacular into its `title`: the API keeps no
        # label from the model, so the OpenAPI document is the same in every language.
        field_class, field_kwargs = super().build_field(field_name, info, model_class, nested_depth)
        field_kwargs.pop("label", None)
        return field_class, field_kwargs
