"""Forms members fill in themselves."""

from django import forms

from .models import Member, Tag


class SignupForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = "__all__"  # expect: BR701


class SignupFormFixed(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["username", "email", "bio"]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = "__all__"  # a tag has nothing a client must not set
