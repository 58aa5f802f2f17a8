"""Views of the accounts app: payloads trusted whole, errors sent back, and their fixed twins."""

import json
import logging

from django.http import JsonResponse
from rest_framework import viewsets
from rest_framework.pagination import PageNumberPagination

from .models import Member, Wallet
from .serializers import WalletSerializer, WalletSerializerFixed

logger = logging.getLogger(__name__)
PROFILE_FIELDS = ("first_name", "last_name", "bio")


class WalletViewSet(viewsets.ModelViewSet):
    queryset = Wallet.objects.all()
    serializer_class = WalletSerializer
    pagination_class = PageNumberPagination


class WalletViewSetFixed(viewsets.ModelViewSet):
    queryset = Wallet.objects.all()
    serializer_class = WalletSerializerFixed
    pagination_class = PageNumberPagination


def update_profile(request, member_id):
    data = json.loads(request.body)
    Member.objects.filter(pk=member_id).update(**data)  # expect: BR701
    return JsonResponse({"ok": True})


def update_profile_fixed(request, member_id):
    data = json.loads(request.body)
    changes = {field: data[field] for field in PROFILE_FIELDS if field in data}
    Member.objects.filter(pk=member_id).update(**changes)
    return JsonResponse({"ok": True})


def export_wallets(request):
    try:
        rows = list(Wallet.objects.values("label", "balance")[:500])
    except Exception as e:
        return JsonResponse({"error": str(e)}, status=500)  # expect: BR601
    return JsonResponse({"rows": rows})


def export_wallets_fixed(request):
    try:
        rows = list(Wallet.objects.values("label", "balance")[:500])
    except Exception:
        logger.exception("wallet export failed")
        return JsonResponse({"error": "export failed"}, status=500)
    return JsonResponse({"rows": rows})
