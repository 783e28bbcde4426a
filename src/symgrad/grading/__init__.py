"""Grading a class: an answer key, the students' submissions, their grades and feedback."""
