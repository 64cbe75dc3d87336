"""The queueing pages' addresses (included by onevisit.urls under its prefix)."""

from django.urls import path

from onevisit.queueing.views import board, board_feed, book, book_sent, booked, booked_qr

app_name = "queueing"

urlpatterns = [
    path("board/<slug:hall>/", board, name="board"),
    path("board/<slug:hall>/feed/", board_feed, name="board-feed"),
    path("book/<slug:hall>/", book, name="book"),
    path("book/<slug:hall>/sent/", book_sent, name="book-sent"),
    path("book/<slug:hall>/<str:code>/", booked, name="booked"),
    path("book/<slug:hall>/<str:code>/qr.svg", booked_qr, name="booked-qr"),
]
