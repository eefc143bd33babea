"""Every user-facing word of the site, the diffs and the notices, in English and Greek."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "version": "Version",
        "effective": "Effective",
        "effective_from": "Effective from {date}",
        "status.in force": "In force",
        "status.superseded": "Superseded",
        "status.upcoming": "Upcoming",
        "status.draft": "Draft",
        "previous": "Previous version",
        "next": "Next version",
        "changes": "What changed",
        "changes_in": "What changed in version {version}",
        "changes_against": "Compared with version {version}",
        "first_version": "This is the first published version: there is no earlier one to compare with.",
        "full_text": "Full text of version {version}",
        "archive": "All versions",
        "archive_intro": "Every published version of this policy, newest first, with the date it took or takes effect.",
        "current": "Policy in force",
        "kind.material": "Material change",
        "kind.minor": "Minor change",
        "summary": "Summary",
        "upcoming_notice": "A new version {version} takes effect on {date}.",
        "see_changes": "See what changes",
        "superseded_notice": "This version is no longer in force. Read the current version.",
        "draft_notice": "Draft: not published, not in force. For review only.",
        "stale_notice": "The Greek translation of this section is being updated; the English text is authoritative.",
        "missing_notice": "This section has not yet been translated into Greek.",
        "read_english": "Read it in English",
        "sec.added": "Added",
        "sec.removed": "Removed",
        "sec.changed": "Changed",
        "sec.moved": "Moved",
        "sec.retitled": "Renamed",
        "was": "was: {title}",
        "translation_pending": "The Greek translation of this change is pending; the English text shows the change.",
        "no_changes": "No change to the text.",
        "sections_touched": "{n} section(s) touched: {ins} word(s) inserted, {dele} deleted.",
        "ins_label": "inserted: ",
        "del_label": "deleted: ",
        "legend": "Inserted words are underlined and green; deleted words are struck through and red.",
        "choose_language": "Choose your language",
        "feed_title": "{title}: versions",
        "other_language": "Ελληνικά",
        "no_version_in_force": "No version is in force yet.",
        "section": "Section",
        "date_format": "d MMMM y",
    },
    "el": {
        "language_name": "Ελληνικά",
        "version": "Έκδοση",
        "effective": "Έναρξη ισχύος",
        "effective_from": "Σε ισχύ από {date}",
        "status.in force": "Σε ισχύ",
        "status.superseded": "Έχει αντικατασταθεί",
        "status.upcoming": "Προσεχής",
        "status.draft": "Σχέδιο",
        "previous": "Προηγούμενη έκδοση",
        "next": "Επόμενη έκδοση",
        "changes": "Τι άλλαξε",
        "changes_in": "Τι άλλαξε στην έκδοση {version}",
        "changes_against": "Σε σύγκριση με την έκδοση {version}",
        "first_version": "Πρόκειται για την πρώτη δημοσιευμένη έκδοση· δεν υπάρχει προγενέστερη για σύγκριση.",
        "full_text": "Πλήρες κείμενο της έκδοσης {version}",
        "archive": "Όλες οι εκδόσεις",
        "archive_intro": "Όλες οι δημοσιευμένες εκδόσεις της παρούσας πολιτικής, από τη νεότερη, με την ημερομηνία έναρξης ισχύος καθεμίας.",
        "current": "Ισχύουσα πολιτική",
        "kind.material": "Ουσιώδης τροποποίηση",
        "kind.minor": "Επουσιώδης τροποποίηση",
        "summary": "Σύνοψη",
        "upcoming_notice": "Νέα έκδοση {version} τίθεται σε ισχύ στις {date}.",
        "see_changes": "Δείτε τι αλλάζει",
        "superseded_notice": "Η έκδοση αυτή δεν ισχύει πλέον. Διαβάστε την ισχύουσα έκδοση.",
        "draft_notice": "Σχέδιο: δεν έχει δημοσιευθεί και δεν ισχύει. Μόνο για έλεγχο.",
        "stale_notice": "Η ελληνική απόδοση της ενότητας αυτής βρίσκεται υπό επικαιροποίηση· υπερισχύει το αγγλικό κείμενο.",
        "missing_notice": "Η ενότητα αυτή δεν έχει ακόμη αποδοθεί στα ελληνικά.",
        "read_english": "Διαβάστε το αγγλικό κείμενο",
        "sec.added": "Προστέθηκε",
        "sec.removed": "Καταργήθηκε",
        "sec.changed": "Τροποποιήθηκε",
        "sec.moved": "Μετακινήθηκε",
        "sec.retitled": "Νέος τίτλος",
        "was": "πρώην: {title}",
        "translation_pending": "Η ελληνική απόδοση της τροποποίησης αυτής εκκρεμεί· η τροποποίηση εμφανίζεται στο αγγλικό κείμενο.",
        "no_changes": "Καμία μεταβολή του κειμένου.",
        "sections_touched": "Μεταβλήθηκαν {n} ενότητες: προστέθηκαν {ins} λέξεις, διαγράφηκαν {dele}.",
        "ins_label": "προσθήκη: ",
        "del_label": "διαγραφή: ",
        "legend": "Οι λέξεις που προστέθηκαν εμφανίζονται υπογραμμισμένες με πράσινο χρώμα· όσες διαγράφηκαν, διαγραμμένες με κόκκινο.",
        "choose_language": "Επιλέξτε γλώσσα",
        "feed_title": "{title}: εκδόσεις",
        "other_language": "English",
        "no_version_in_force": "Καμία έκδοση δεν έχει τεθεί ακόμη σε ισχύ.",
        "section": "Ενότητα",
        "date_format": "d MMMM y",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang` (English when the language lacks it)."""
    table = STRINGS.get(lang, STRINGS["en"])
    text = table.get(key) or STRINGS["en"][key]
    return text.format(**values) if values else text


def format_day(day: dt.date, lang: str) -> str:
    """A date as the language writes it: "1 June 2025", "1 Ιουνίου 2025"."""
    return format_date(day, format=t(lang, "date_format"), locale=lang)
