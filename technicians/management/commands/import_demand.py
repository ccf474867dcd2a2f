from technicians.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    kind = "demand"
