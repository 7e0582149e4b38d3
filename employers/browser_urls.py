"""Routes of the employer's browser page and of the rule files it reads."""

from django.urls import path

from employers import browser

urlpatterns = [
    path("employer/cycles/<slug:slug>/browser", browser.employer_browser, name="employer-browser"),
    path("taxonomy/<str:name>/<str:part>.json", browser.taxonomy_file, name="taxonomy-file"),
]
