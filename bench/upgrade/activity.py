"""Run inside the old release (manage.py shell < activity.py): edits with reasons, archive reads and a contact
change on top of the demo, so the fixture holds history rows of every kind ('+', '~', '-') and a read log."""

from kehu.customers.models import Customer
from kehu.customers.services import contact_save, customer_read_record, customer_update
from kehu.org.models import User

manager = User.objects.get(username="jingli1")
for customer in Customer.objects.filter(owner=manager).order_by("code")[:3]:
    customer_update(actor=manager, customer=customer, expected_version=customer.version,
                    address=f"{customer.address}（升级前修改）", reason="升级前的修改")
    customer_read_record(customer=customer, actor=manager, channel="page")
    contact = customer.contacts.order_by("id").first()
    if contact is not None:
        contact_save(actor=manager, customer=customer, contact=contact, name=contact.name, mobile="13900001111",
                     reason="更换手机号")
print("activity added")
