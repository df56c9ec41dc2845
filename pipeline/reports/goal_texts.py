"""What each SDG means for a Norwegian municipality: one short paragraph per goal (bokmål, English) for the
goal pages. Editorial text of this project, written from the municipalities' statutory tasks."""

from __future__ import annotations

LOCAL_MEANING: dict[int, tuple[str, str]] = {
    1: ("Lokalt handler målet om barn og familier med vedvarende lav inntekt, sosialhjelp og en NAV-tjeneste som "
        "hjelper folk inn i arbeid og bolig.",
        "Locally the goal is about children and families with persistently low income, social assistance and "
        "a welfare office that helps people into work and housing."),
    2: ("Kommunen påvirker matsikkerhet og ernæring gjennom jordvern, lokalt landbruk, skolemat og "
        "kosthold i barnehager og omsorgstjenester.",
        "The municipality shapes food security and nutrition through farmland protection, local agriculture, "
        "school meals and diets in kindergartens and care services."),
    3: ("Kommunen har ansvar for primærhelse, legevakt, helsestasjon og folkehelsearbeid; levealder, "
        "fastlegedekning og psykisk helse viser hvordan det går.",
        "The municipality runs primary health care, emergency clinics, child health centres and public health "
        "work; life expectancy, GP coverage and mental health show how it is going."),
    4: ("Barnehager og grunnskoler er kommunale: deltakelse i barnehage, læringsresultater og gjennomføring i "
        "videregående skole er kjernen.",
        "Kindergartens and primary schools are municipal: kindergarten attendance, learning outcomes and "
        "completion of upper secondary school are at the core."),
    5: ("Likestilling lokalt gjelder kvinner i kommunestyret og i ledelse, deltid og lønnsforskjeller i "
        "kommunal sektor og arbeid mot vold i nære relasjoner.",
        "Locally, gender equality concerns women on the council and in management, part-time work and pay gaps "
        "in the municipal sector, and work against domestic violence."),
    6: ("Kommunen eier vannverk og avløp: rent drikkevann, fornyelse av ledningsnettet og rensing av "
        "avløpsvann.",
        "The municipality owns water supply and sewerage: clean drinking water, renewal of the pipe network and "
        "wastewater treatment."),
    7: ("Energi lokalt er energibruk i kommunale bygg, fornybar oppvarming, ladeinfrastruktur og arealplaner "
        "for kraftproduksjon.",
        "Locally, energy is about energy use in municipal buildings, renewable heating, charging infrastructure "
        "and land-use plans for power production."),
    8: ("Sysselsetting, unge utenfor arbeid og utdanning, næringsutvikling og anstendige vilkår i kommunens "
        "egne innkjøp hører til målet.",
        "Employment, young people not in work or education, business development and decent conditions in the "
        "municipality's own procurement belong to this goal."),
    9: ("Bredbånd, veier og innovasjon: kommunen planlegger infrastruktur og samarbeider med næringslivet om "
        "nye løsninger.",
        "Broadband, roads and innovation: the municipality plans infrastructure and works with businesses on "
        "new solutions."),
    10: ("Ulikhet lokalt vises i inntektsfordeling, integrering av innvandrere og tilgjengelighet for personer "
         "med funksjonsnedsettelse.",
         "Local inequality shows in income distribution, the integration of immigrants and accessibility for "
         "people with disabilities."),
    11: ("Boliger, kollektivtransport, grøntarealer, luftkvalitet og trygge lokalsamfunn er kommunens "
         "arealplanlegging i praksis.",
         "Housing, public transport, green areas, air quality and safe communities are the municipality's "
         "land-use planning in practice."),
    12: ("Avfall per innbygger, gjenvinning og ombruk, og bærekraftige offentlige anskaffelser er kommunens "
         "viktigste virkemidler.",
         "Waste per inhabitant, recycling and reuse, and sustainable public procurement are the municipality's "
         "main levers."),
    13: ("Klimagassutslipp i kommunen, klimaplaner og tilpasning til flom, skred og overvann.",
         "Greenhouse gas emissions in the municipality, climate plans and adaptation to floods, landslides and "
         "stormwater."),
    14: ("For kystkommuner: rene fjorder og havner, avløp til sjø, havbruk og marine verneområder.",
         "For coastal municipalities: clean fjords and harbours, sewage to the sea, aquaculture and marine "
         "protected areas."),
    15: ("Nedbygging av natur, myr og dyrket mark, vern av arter og friluftsområder styres av kommunens "
         "arealplaner.",
         "Loss of nature, bogs and farmland, and the protection of species and outdoor recreation areas are "
         "governed by the municipality's land-use plans."),
    16: ("Tillit, åpenhet og deltakelse: valgdeltakelse, kriminalitet, innsyn og god forvaltning i "
         "kommunen.",
         "Trust, openness and participation: election turnout, crime, freedom of information and good "
         "governance in the municipality."),
    17: ("Samarbeid på tvers: kommunens partnerskap med nabokommuner, fylket, næringsliv og frivillighet, og "
         "sunn kommuneøkonomi.",
         "Working together: the municipality's partnerships with neighbours, the county, businesses and "
         "volunteers, and sound municipal finances."),
}
