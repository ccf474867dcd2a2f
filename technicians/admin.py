from django.contrib import admin

from technicians.models import Candidate, DemandWeek, District, Region, Technician, TechnicianSnapshot

for m in (Region, District, Technician, TechnicianSnapshot, Candidate, DemandWeek):
    admin.site.register(m)
