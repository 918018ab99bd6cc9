"""Dutch-flavoured vocabulary for the demo portfolio (``pmo_tui.demo``).

Fictional names only. Every string fits in cp1252, so the same portfolio can
also be written the way Dutch-locale Excel exports it. No string here is
"evil" on purpose; the one name with square brackets (``[WIP] Koppeling BRP``)
is realistic and exercises literal rendering.
"""

from __future__ import annotations

from typing import Final

PORTFOLIO_SMALL: Final = "Gemeente Waalstede"

#: large portfolio: one portfolio per directorate
PORTFOLIOS_LARGE: Final = (
    "Directie Dienstverlening",
    "Directie Bedrijfsvoering",
    "Directie Stad & Ruimte",
    "Directie Sociaal Domein",
)

#: programme themes; the index is the theme id used everywhere below
THEMES: Final = (
    "Digitale Dienstverlening",
    "Informatievoorziening & Data",
    "Huisvesting & Facilitair",
    "Energietransitie & Duurzaamheid",
    "Sociaal Domein",
    "Mobiliteit & Openbare Ruimte",
    "Veiligheid & Handhaving",
    "Bedrijfsvoering & HR",
    "Wonen & Stedelijke Ontwikkeling",
    "Informatiebeveiliging & Privacy",
)
#: the portfolio (directorate) each theme belongs to in the large demo
THEME_PORTFOLIO: Final = (0, 1, 1, 2, 3, 2, 3, 1, 2, 1)
#: milestone and issue flavour per theme: 0 = ICT, 1 = building, 2 = policy/social
THEME_KIND: Final = (0, 0, 1, 1, 2, 1, 2, 2, 1, 0)
#: the large demo has 40 programmes: each theme once per region
REGIONS: Final = ("Noord", "Zuid", "Oost", "West")

MANAGERS: Final = (
    "Jan de Vries",
    "Fatima el Amrani",
    "Sanne Bakker",
    "Mohamed Yilmaz",
    "Priya Ramdin",
    "Kees van den Berg",
    "Anouk Jansen",
    "Ricardo Martina",
    "Lotte de Jong",
    "Ahmed Bouzid",
    "Eva Visser",
    "Bram Smit",
    "Noor Hendriks",
    "Daan Mulder",
    "Yara Meijer",
    "Thijs de Boer",
    "Sevda Kaya",
    "Joost Peters",
    "Ingrid van Dijk",
    "Wouter Kok",
    "Femke Dekker",
    "Rachid Benali",
    "Marieke Vos",
    "Stefan Koster",
    "Esther Willems",
    "Hans van Leeuwen",
    "Layla Haddou",
    "Pieter Brouwer",
    "Chantal Tromp",
    "Niels de Graaf",
    "Aïsha Dogan",
    "Gerrit-Jan Schouten",
    "Dewi Soekardi",
    "Marloes van 't Hof",
    "Emre Öztürk",
    "Julia Wiersma",
)

#: project names per theme (at least 8 each; the small demo draws 6 per programme)
PROJECTS: Final[tuple[tuple[str, ...], ...]] = (
    (
        "Vervanging zaaksysteem",
        "Nieuwe website en online loket",
        "Digitaal aanvragen parkeervergunning",
        "MijnGemeente-app 2.0",
        "Invoering e-facturatie",
        "Chatbot klantcontactcentrum",
        "Koppeling DigiD en eHerkenning",
        "Digitale handtekening raadsstukken",
        "Online afspraken burgerzaken",
        "Toegankelijkheid website (WCAG 2.2)",
    ),
    (
        "Migratie naar Microsoft 365",
        "[WIP] Koppeling BRP",
        "Datawarehouse en dashboards",
        "Archivering e-mail (Woo)",
        "Vervanging financieel systeem",
        "Basisregistratie Grootschalige Topografie",
        "Common Ground-componenten",
        "Datakwaliteit BAG",
        "Migratie werkplekken naar Windows 11",
        "Uitfasering mainframe",
    ),
    (
        "Renovatie stadskantoor, fase 2",
        "Nieuwbouw gemeentewerf",
        "Verduurzaming raadhuis",
        "Herinrichting publiekshal",
        "Aanbesteding schoonmaak",
        "Flexwerkplekken Stadhuis",
        "Vervanging liften Stadskantoor",
        "Brandveiligheid archiefruimte",
        "Nieuw catering- en restaurantconcept",
        "Sloop en nieuwbouw sporthal De Weide",
    ),
    (
        "Zonnepanelen op gemeentelijk vastgoed",
        "Warmtenet Oostwijk",
        "Laadpalen openbare ruimte",
        "Transitievisie Warmte",
        "Elektrificatie wagenpark",
        "Klimaatadaptatie binnenstad",
        "Energieloket voor inwoners",
        "Ledverlichting openbare verlichting",
        "Isolatie-aanpak huurwoningen",
        "Circulair inkopen",
    ),
    (
        "Herinrichting Wmo-loket",
        "Implementatie Omgevingswet sociaal domein",
        "Schuldhulpverlening digitaal",
        "Jeugdzorg: nieuwe inkoop 2027",
        "Wijkteams integrale toegang",
        "Participatiewet: re-integratieplatform",
        "Vroegsignalering schulden",
        "Mantelzorgondersteuning",
        "Doorbraakmethode multiprobleemgezinnen",
        "Inburgering: nieuwe Wet inburgering",
    ),
    (
        "Reconstructie Stationsplein",
        "Fietsroute Centrum-Noord",
        "Parkeerverwijssysteem",
        "Vervanging bruggen Singel",
        "Herinrichting Marktplein",
        "Slimme verkeerslichten",
        "Rioolvervanging Oude Wijk",
        "Groenonderhoud: nieuw contract",
        "Deelmobiliteit hubs",
        "Kademuren Binnenhaven",
    ),
    (
        "Cameratoezicht uitgaansgebied",
        "Handhavingsapp BOA's",
        "Ondermijning: integraal informatieknooppunt",
        "Crisisorganisatie: nieuw plan",
        "Evenementenvergunning digitaal",
        "Registratiesysteem Handhaving",
        "Drugsoverlast: aanpak wijken",
        "Brandweerkazerne Zuid",
        "Veilig uitgaan: horecaconvenant",
        "Alarmopvolging gemeentelijke panden",
    ),
    (
        "Nieuw HR-systeem",
        "Strategische personeelsplanning",
        "Inkoop- en contractmanagement",
        "Hybride werken",
        "Salarisadministratie uitbesteden",
        "Leerplatform medewerkers",
        "Functiehuis HR21",
        "Verzuimaanpak",
        "P&C-cyclus vernieuwen",
        "Vervanging telefonie",
    ),
    (
        "Gebiedsontwikkeling Spoorzone",
        "Woningbouwversnelling 2030",
        "Omgevingsplan: eerste tranche",
        "Transformatie kantoren naar woningen",
        "Grondexploitatie Havenkwartier",
        "Tijdelijke huisvesting statushouders",
        "Sociale huur: prestatieafspraken",
        "Herstructurering Rivierwijk",
        "Flexwonen Zuidrand",
        "Bestemmingsplan Stadshaven",
    ),
    (
        "Implementatie BIO (Baseline Informatiebeveiliging Overheid)",
        "Security Operations Center",
        "Privacy-register en DPIA's",
        "Multifactorauthenticatie medewerkers",
        "Back-up en herstel (ransomware)",
        "Identity & Access Management",
        "Logging en monitoring",
        "Awareness-programma informatiebeveiliging",
        "Netwerksegmentatie",
        "ENSIA-verantwoording",
    ),
)

#: milestone names per theme kind, in the order they happen; the last one is the finish
MILESTONES: Final[tuple[tuple[str, ...], ...]] = (
    (
        "Projectopdracht vastgesteld",
        "Business case goedgekeurd",
        "Programma van eisen gereed",
        "Aanbesteding gegund",
        "Functioneel ontwerp gereed",
        "Technisch ontwerp gereed",
        "Realisatie sprint 1 opgeleverd",
        "Datamigratie proefmigratie",
        "Functionele acceptatietest (FAT) afgerond",
        "Gebruikersacceptatietest (GAT) afgerond",
        "Training gebruikers afgerond",
        "Go-live",
    ),
    (
        "Projectopdracht vastgesteld",
        "Haalbaarheidsstudie gereed",
        "Voorlopig ontwerp gereed",
        "Definitief ontwerp gereed",
        "Omgevingsvergunning verleend",
        "Aanbesteding gegund",
        "Start uitvoering",
        "Ruwbouw gereed",
        "Installaties opgeleverd",
        "Inspectie en keuring",
        "Ingebruikname",
        "Oplevering",
    ),
    (
        "Projectopdracht vastgesteld",
        "Startnotitie in college",
        "Behoeftepeiling afgerond",
        "Beleidskader vastgesteld",
        "Raadsbesluit genomen",
        "Inkoop afgerond",
        "Pilot gestart",
        "Evaluatie pilot",
        "Werkprocessen ingericht",
        "Communicatie inwoners",
        "Implementatie afgerond",
        "Overdracht aan lijn",
    ),
)

PHASES: Final = ("initiatie", "definitie", "ontwerp", "realisatie", "implementatie", "nazorg")
PHASE_CLOSED: Final = "afgerond"

COST_CATEGORIES: Final = ("personeel", "inhuur", "licenties", "hardware")
#: mean category shares per theme kind (ICT, building, policy)
CATEGORY_SHARES: Final = (
    (0.30, 0.35, 0.22, 0.13),
    (0.15, 0.25, 0.05, 0.55),
    (0.50, 0.35, 0.10, 0.05),
)

ISSUE_TYPES: Final = ("risk", "issue", "assumption", "dependency")
ISSUE_STATUSES: Final = ("open", "in progress", "closed")
SEVERITIES: Final = ("low", "medium", "high", "critical")

#: issue titles that fit any project, per type (risk, issue, assumption, dependency)
_GENERIC_TITLES: Final = (
    (
        "Leverancier kan capaciteit niet leveren",
        "Aanbesteding mogelijk vertraagd door bezwaar",
        "Sleutelfiguur vertrekt uit projectteam",
        "Draagvlak bij gebruikers onvoldoende",
        "Scope groeit door nieuwe wensen",
        "Budget 2027 nog niet vastgesteld",
    ),
    (
        "Meerwerk aangevraagd door leverancier",
        "Inhuur loopt langer door dan gepland",
        "Projectleider langdurig afwezig",
        "Besluit stuurgroep uitgesteld",
        "Rapportage leverancier ontbreekt",
        "Planning niet afgestemd met lijnorganisatie",
    ),
    (
        "Raad stemt in met krediet in december",
        "Huidige contract kan met 6 maanden verlengd worden",
        "Subsidie wordt toegekend in Q1",
        "Beheerorganisatie neemt resultaat over na oplevering",
        "Geen nieuwe wettelijke eisen tijdens de uitvoering",
        "Medewerkers zijn vrijgemaakt voor het project",
    ),
    (
        "Wacht op besluit college over scope",
        "Besluit provincie over subsidie",
        "Contract inhuur via raamovereenkomst",
        "Afstemming met ondernemingsraad (advies)",
        "Oplevering door ander project in het programma",
        "Juridisch advies over aanbesteding",
    ),
)

#: issue titles per kind of project (ICT, building, policy), per type
_KIND_TITLES: Final = (
    (
        (
            "Datamigratie complexer dan verwacht",
            "Onvoldoende capaciteit functioneel beheer",
            "Privacy-impactanalyse (DPIA) nog niet afgerond",
            "Beveiligingsaudit kan go-live blokkeren",
            "Leverancier stopt ondersteuning oude versie",
            "Licentiemodel leverancier wijzigt",
        ),
        (
            "Testomgeving niet beschikbaar",
            "Oplevering sprint 4 te laat",
            "Koppeling met BRP faalt bij grote bestanden",
            "Performance onder maat bij piekbelasting",
            "Conversie historische dossiers onvolledig",
            "Licentiekosten hoger dan begroot",
        ),
        (
            "Leverancier ondersteunt SAML en OIDC",
            "Data is beschikbaar in het datawarehouse",
            "Gebruikers volgen training binnen werktijd",
            "Bestaande hardware is herbruikbaar",
            "Ketenpartners leveren testdata aan",
            "Standaardsoftware volstaat zonder maatwerk",
        ),
        (
            "Afhankelijk van landelijke voorziening (DigiD)",
            "Oplevering Common Ground-component door VNG",
            "Koppeling met financieel systeem (ander project)",
            "Migratie werkplekken moet eerst gereed zijn",
            "Aanpassing API door leverancier",
            "Landelijke release Omgevingsloket",
        ),
    ),
    (
        (
            "Prijsstijgingen materialen (indexatie)",
            "Stikstofregels vertragen vergunning",
            "Bodemverontreiniging op de bouwlocatie",
            "Onvoldoende aannemers op de markt",
            "Monumentenstatus beperkt het ontwerp",
            "Vertraging door archeologisch onderzoek",
        ),
        (
            "Asbest aangetroffen bij sloop",
            "Klachten bewoners over bouwoverlast",
            "Meerwerk aangevraagd door aannemer",
            "Levering installaties vertraagd",
            "Opleverpunten niet tijdig verholpen",
            "Bouwhekken en omleiding niet vergund",
        ),
        (
            "Vergunning is onherroepelijk binnen 8 weken",
            "Netbeheerder levert aansluiting op tijd",
            "Gebruikers verhuizen in één weekend",
            "Tijdelijke huisvesting is beschikbaar",
            "Bestaande fundering is herbruikbaar",
            "Weersomstandigheden normaal voor het seizoen",
        ),
        (
            "Netcongestie: aansluiting netbeheerder",
            "Beschikbaarheid gebouw na verhuizing",
            "Omgevingsvergunning via Omgevingsloket",
            "Toestemming Rijksdienst voor het Cultureel Erfgoed",
            "Oplevering warmtenet door energiebedrijf",
            "Planning nutsbedrijven (kabels en leidingen)",
        ),
    ),
    (
        (
            "Wetswijziging vóór invoering",
            "Instroom cliënten hoger dan verwacht",
            "Zorgaanbieders haken af bij nieuwe inkoop",
            "Privacy-impactanalyse (DPIA) nog niet afgerond",
            "Onvoldoende capaciteit wijkteams",
            "Maatschappelijke onrust over maatregel",
        ),
        (
            "Werkinstructies nog niet vastgesteld",
            "Bezwaarschriften lopen op",
            "Registratie in cliëntsysteem onvolledig",
            "Communicatie naar inwoners te laat",
            "Pilot levert te weinig deelnemers op",
            "Uitvoeringskosten hoger dan begroot",
        ),
        (
            "Rijksbijdrage blijft op het huidige niveau",
            "Partners tekenen het convenant",
            "Gegevensdeling is juridisch toegestaan",
            "Wijkteams nemen de nieuwe werkwijze over",
            "Inwoners bereikt via bestaande kanalen",
            "Evaluatie pilot is positief",
        ),
        (
            "Gegevensleveringsovereenkomst met CBS",
            "Landelijke richtlijn van VNG",
            "Inkoop in regioverband met buurgemeenten",
            "Besluit gemeenteraad over beleidskader",
            "Aanpassing cliëntsysteem door leverancier",
            "Afspraken met zorgverzekeraar",
        ),
    ),
)

#: titles as a grid [kind][type][n]: the generic ones and the kind's own
ISSUE_TITLES: Final = tuple(
    tuple(g + k for g, k in zip(_GENERIC_TITLES, kind, strict=True)) for kind in _KIND_TITLES
)

ISSUE_DESCRIPTIONS: Final = (
    "Besproken in het projectteamoverleg; maatregel in voorbereiding.",
    "Escalatie naar stuurgroep voorgesteld als dit niet binnen twee weken is opgelost.",
    'Leverancier meldt "geen capaciteit" tot het tweede kwartaal.',
    "Impact op planning en budget wordt nog doorgerekend.",
    "Afgestemd met de opdrachtgever; bewaken in de risicosessie.",
    "Zie verslag stuurgroep, actiepunt 4.",
    "Gevolgen: vertraging van de acceptatietest, extra inhuur.",
    "Actiepunten:\n- offerte meerwerk opvragen\n- besluit in de stuurgroep van volgende maand",
    "",
    "Beheersmaatregel: tweede leverancier in beeld houden, kosten ca. € 25.000.",
)
