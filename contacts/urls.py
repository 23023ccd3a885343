from django.urls import path

from contacts import views, views_io

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("validate/", views.validate_field, name="validate"),
    path("trash/", views.trash, name="trash"),
    path("import/", views_io.import_upload, name="import"),
    path("import/<uuid:job_id>/", views_io.import_detail, name="import_detail"),
    path("import/<uuid:job_id>/map/", views_io.import_map, name="import_map"),
    path("import/<uuid:job_id>/undo/", views_io.import_undo, name="import_undo"),
    path("import/<uuid:job_id>/resume/", views_io.import_resume, name="import_resume"),
    path("import/<uuid:job_id>/failed-rows.csv", views_io.import_failures, name="import_failures"),
    path("export/", views_io.export, name="export"),
    path("export/<uuid:export_id>/", views_io.export_detail, name="export_detail"),
    path("export/<uuid:export_id>/download/", views_io.export_download, name="export_download"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:keep_id>/<int:other_id>/", views.merge, name="merge"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:tag_id>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("fields/", views.field_list, name="fields"),
    path("fields/<int:field_id>/delete/", views.field_delete, name="field_delete"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/notes/", views.note_add, name="note_add"),
    path("<int:contact_id>/tags/", views.contact_tag_add, name="tag_add"),
    path("<int:contact_id>/tags/<int:tag_id>/remove/", views.contact_tag_remove, name="tag_remove"),
    path("<int:contact_id>/reminders/", views.reminder_add, name="reminder_add"),
    path("<int:contact_id>/reminders/<int:reminder_id>/done/", views.reminder_done, name="reminder_done"),
    path("<int:contact_id>/trash/", views.contact_trash, name="trash_one"),
    path("<int:contact_id>/restore/", views.contact_restore, name="restore"),
    path("<int:contact_id>/delete/", views.contact_delete_forever, name="delete_forever"),
]
