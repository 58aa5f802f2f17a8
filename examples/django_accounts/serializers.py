"""DRF serializers of the wallet API."""

from rest_framework import serializers

from .models import Wallet


class WalletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = "__all__"  # expect: BR701


class WalletSerializerFixed(serializers.ModelSerializer):
    class Meta:
        model = Wallet
        fields = ["id", "owner", "label", "balance"]
        read_only_fields = ["owner", "balance"]
