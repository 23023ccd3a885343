def contact_post_data(*, given="Grace", family="Hopper", emails=(), phones=(), addresses=(), token="tok-1", **extra):
    """The create/edit form as a browser sends it (management forms included)."""
    data = {"token": token, "given_name": given, "family_name": family, "display_name": "", "company": "",
            "job_title": "", "birthday": "", "website": "", "notes_summary": ""}
    for prefix, rows, keys in (("emails", emails, ("value",)), ("phones", phones, ("number",)),
                               ("addresses", addresses, None)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            if isinstance(row, str):
                row = {keys[0]: row}
            for k, v in row.items():
                data[f"{prefix}-{i}-{k}"] = v
    data.update(extra)
    return data
