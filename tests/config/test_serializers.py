"""ModelOutputSerializer: fields built once per class, each instance with its own copies."""

from rest_framework import serializers

from config.serializers import ModelOutputSerializer
from orders.models import Seller

BUILT: list[str] = []


class SellerOut(ModelOutputSerializer):
    label = serializers.SerializerMethodField()

    def build_field(self, field_name, *args):
        BUILT.append(field_name)
        return super().build_field(field_name, *args)

    class Meta:
        model = Seller
        fields = ["id", "name", "label"]

    def get_label(self, seller):
        return f"{self.context['prefix']}{seller.name}"


class SellerOutWithUser(SellerOut):
    class Meta(SellerOut.Meta):
        fields = [*SellerOut.Meta.fields, "user"]


def test_model_fields_are_built_once_per_class_and_copied_per_instance():
    seller = Seller(pk=7, name="shop", user_id=3)
    BUILT.clear()
    if "_built_fields" in SellerOut.__dict__:  # another test built them already
        del SellerOut._built_fields
    first = SellerOut(seller, context={"prefix": "a:"})
    assert first.data == {"id": 7, "name": "shop", "label": "a:shop"}
    assert BUILT == ["id", "name"]  # from the model; `label` is declared
    second = SellerOut(seller, context={"prefix": "b:"})
    assert second.data == {"id": 7, "name": "shop", "label": "b:shop"}
    assert BUILT == ["id", "name"]
    # Each instance binds its own field objects: the second's method field reads the second's context.
    assert first.fields["label"] is not second.fields["label"]
    assert second.fields["label"].parent is second


def test_a_subclass_builds_its_own_fields():
    seller = Seller(pk=7, name="shop", user_id=3)
    assert SellerOut(seller, context={"prefix": ""}).data == {"id": 7, "name": "shop", "label": "shop"}
    assert SellerOutWithUser(seller, context={"prefix": ""}).data == {
        "id": 7,
        "name": "shop",
        "label": "shop",
        "user": 3,
    }
    assert SellerOut(seller, context={"prefix": ""}).data == {"id": 7, "name": "shop", "label": "shop"}
