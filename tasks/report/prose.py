"""The fixed prose of the TDAG document (the 2024 report, seed), one place for every format.

Texts about a year take {year}; those citing the INF/1 annex take {annex}; in an action,
{note} is where the note mark of the partners' list goes.
"""

SUMMARY = (
    "The importance of partnerships and resource mobilization was highlighted by the "
    "World Telecommunication Development Conference 2022 (WTDC-22), in particular in the "
    "Kigali Declaration, in the Kigali Action Plan (sections 3.1 and 3.3) and Resolution "
    "17 (Rev. Kigali, 2022) – Implementation of and cooperation on approved regional "
    "initiatives at the national, regional, interregional and global levels. This "
    "document reports on partnerships and resource mobilization activities undertaken in "
    "{year}."
)

ACTION_REQUIRED = (
    "TDAG is invited to note this document and provide guidance as deemed appropriate."
)

REFERENCES = (
    "Sections 3.1 and 3.3 of the Kigali Action Plan",
    "Resolution 17 (Rev. Kigali, 2022), Implementation of and cooperation on approved regional "
    "initiatives at the national, regional interregional and global levels",
    "WTDC-22 Declaration",
)

BACKGROUND = (
    (
        "The World Telecommunication Development Conference 2022 (WTDC-22) recognized the"
        " importance of Resource Mobilization and International Cooperation as a new "
        "ITU-D Priority and Enabler of the Kigali Action Plan: “The focus of this "
        "Priority is on mobilizing and attracting resources and fostering international "
        "cooperation on telecommunication/ICT development issues. This Priority is also "
        "cross cutting by providing resources and fostering international cooperation to "
        "deliver relevant global outcomes. In doing so, the needs of developing "
        "countries, least developed countries, small island developing states, landlocked"
        " developing countries, and countries with economies in transition as well as "
        "underserved and vulnerable populations should be prioritized and given due "
        "attention.” (Kigali Action Plan)."
    ),
    (
        "Resolution 17 (Rev. Kigali, 2022) on “Implementation of and cooperation on "
        "approved regional initiatives at the national, regional interregional and global"
        " levels” instructs the BDT Director “to ensure that BDT facilitates the active "
        "involvement of regional and subregional telecommunication organizations in the "
        "different phases of project management established by ITU, as well as in forging"
        " partnerships and resource mobilization, with a view to effectively advancing "
        "the implementation of regional initiatives.”"
    ),
)

OBJECTIVE_HEADING = "2. ITU-D partnerships and resource mobilization strategic objective"

OBJECTIVE = (
    (
        "In line with the outcomes of the WTDC-22, the goal is to foster, develop and "
        "strengthen partnership and international collaboration with a broad range of "
        "partners from both developed and developing countries."
    ),
    (
        "This aims to enhance coordination, share expertise, and mobilize resources for "
        "the implementation of programmes, activities, and initiatives for sustainable "
        "development."
    ),
)

CHARTS_INTRO = (
    "The regions and ITU-D priorities benefitting in {year} of the partnership agreements"
    " signed in terms of number (with and without financial contributions) and of "
    "financial contributions are presented in the charts below:"
)

IMPACT_INTRO = (
    "The impact of BDT's work in collaboration with its partners is showcased through "
    "Impact Stories, available at: "
)

IMPACT_URL = "https://www.itu.int/itu-d/sites/digital-impact-unlocked/all-stories/list/"

ACTIONS_INTRO = (
    "Partnership and resource mobilization outcomes illustrated above have been made "
    "possible through strategic actions, that included:"
)

ACTIONS = (
    (
        "Cultivating/strengthening relationships with existing partners:",
        "BDT collaborates with a diverse range of partners{note}, including governmental "
        "entities, financial institutions, international and regional organizations and "
        "associations, private sector entities (including foundations), UN organizations,"
        " and academia, from both developed and developing countries. These partners "
        "share their expertise and support financially the implementation of programs, "
        "regional and global initiatives, and activities aimed at sustainable "
        "development. Recognizing that successful partnerships are built on trust, "
        "respect, and confidence, BDT pays particular attention at cultivating strong "
        "relationships with its long-standing partners, including those listed in "
        "Document {annex}.",
    ),
    (
        "Enhancing collaboration with UN agencies:",
        "BDT continues to strengthen its collaboration with other UN agencies, enhancing "
        "its visibility and emphasizing ITU’s unique role as leading organization in the "
        "telecommunication/ICT sector. Collaboration with UN agencies fosters synergies "
        "and knowledge-sharing, and generates new and increased funding by leveraging "
        "multilateral convening power. By working closely with UN sister agencies, BDT "
        "gains access to new funding opportunities (including UN pooled funds) for joint "
        "projects’ implementation at national, regional, and global levels towards the "
        "2030 Agenda.",
    ),
    (
        "Outreach to new potential partners:",
        "While BDT places a strong emphasis on fostering its relationship with its "
        "existing partners and engaging them in a lasting relationship, BDT also "
        "recognizes the importance of widening and diversifying its pool of partners. To "
        "do so, BDT actively engages with prospects through a strategic approach to raise"
        " the ITU/BDT profile, identify synergies, and explore opportunities for future "
        "collaboration.",
    ),
)

WAY_FORWARD = (
    "BDT acknowledges and values both its longstanding partners and new partners, whose "
    "collaboration makes it possible to support the implementation of projects, "
    "programmes, and initiatives at the global, regional and national levels. Moving "
    "forward, BDT will continue to cultivate and strengthen its partnerships with a wide "
    "range of stakeholders including Governmental entities, financial institutions, the "
    "private sector, United Nations agencies and Academia."
)

FULL_LIST_AGREEMENTS = "For the full list of agreements, please refer to Document {annex}."

FULL_LIST_PARTNERS = "For the full list of financial partners, please refer to Document {annex}."

MEMBERS_URL = "https://www.itu.int/hub/membership/our-members/"

PARTNERS_URL = "https://www.itu.int/en/ITU-D/MembersPartners/Pages/Partners/List-of-Partners.aspx"
