"""The list's rows are built in Python (contacts_tags.contact_rows): byte for byte what
the template loop they replaced wrote, escaping included."""

from django.template import Context, Template
from django.utils.safestring import mark_safe

from contacts.models import Contact, Tag
from contacts.templatetags.contacts_tags import contact_rows

# The loop as it stood in contacts/_results.html before the rows moved to Python.
REFERENCE = Template("""{% for c in contacts %}
      <tr>
        <td><input type="checkbox" name="ids" value="{{ c.id }}" aria-label="Select {{ c.display_name }}"></td>
        <td><a href="{{ c.get_absolute_url }}" class="contact-link">{{ c.display_name }}</a>
          {% if c.job_title %}<div class="muted small">{{ c.job_title }}</div>{% endif %}</td>
        <td class="wrap">{{ c.primary_email }}</td>
        <td class="nowrap hide-narrow">{{ c.primary_phone }}</td>
        <td class="hide-narrow">{{ c.company }}</td>
        <td class="hide-narrow">{% for t in c.tag_list %}<span class="tag">{{ t.name }}</span> {% endfor %}</td>
      </tr>
    {% endfor %}""")


def _contact(id, tags=(), **fields):
    c = Contact(id=id, workspace_id=1, **fields)
    c.tag_list = [Tag(id=i, workspace_id=1, name=name) for i, name in enumerate(tags, start=1)]
    return c


def test_rows_match_the_template_loop_escaping_included():
    contacts = [
        _contact(7, display_name="Ann Lee", primary_email="ann@example.com"),
        _contact(1234567, tags=["vip", "<b>x</b>", "R&D"], display_name='<script>alert("x")</script>',
                 job_title="Boss & \"Chief\" <i>", company="O'Brien & Sons", primary_email="a'b@example.com",
                 primary_phone="+1 415-555-2671"),
        _contact(9, display_name="Zoë Ørsted", job_title="", company="", primary_phone=""),
        _contact(10, tags=[mark_safe("<em>safe</em>")], display_name=mark_safe("<b>already safe</b>")),
    ]
    expected = REFERENCE.render(Context({"contacts": contacts}))
    assert contact_rows(contacts) == expected
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in expected
    assert contact_rows([]) == ""


def test_list_page_escapes_what_contacts_contain(alice_client, alice, alice_ws):
    from tests.contacts.conftest import give_credits, make_contact

    give_credits(alice_ws, 1)
    make_contact(alice, given_name="<img src=x>", family_name="O'Hara")
    html = alice_client.get("/contacts/").content.decode()
    assert "<img src=x>" not in html
    assert "&lt;img src=x&gt; O&#x27;Hara" in html
