"""Members of a Django site, with a wallet."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Member(AbstractUser):
    bio = models.TextField(blank=True)


class Wallet(models.Model):
    owner = models.OneToOneField(Member, on_delete=models.CASCADE)
    label = models.CharField(max_length=50)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
