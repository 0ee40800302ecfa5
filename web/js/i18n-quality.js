// The strings of the directory's quality signals (completeness of coverage,
// freshness and source of records, the editor), in the five languages.
// Kept apart from i18n.js, which merges them into STRINGS.

export const QUALITY_STRINGS = {
  "cov.legend.incomplete": {
    it: "Tratteggio: l'elenco non è completo qui; i dati descrivono l'elenco, non l'offerta",
    en: "Hatched: the directory is not complete here; figures describe the directory, not the supply",
    de: "Schraffiert: Das Verzeichnis ist hier nicht vollständig; die Zahlen beschreiben das Verzeichnis, nicht das Angebot",
    bg: "Щриховано: справочникът тук не е пълен; числата описват справочника, а не предлагането",
    lt: "Užbrūkšniuota: katalogas čia nėra išsamus; skaičiai apibūdina katalogą, o ne pasiūlą",
  },
  "cov.caveat.row": {
    it: "{place}: questo elenco contiene {n} schede nella categoria «{category}». Il dato descrive l'elenco, non l'offerta di servizi.",
    en: "This directory holds {n} records in the category “{category}” in {place}: the figure describes the directory, not the supply.",
    de: "{place}: Dieses Verzeichnis enthält {n} Einträge der Kategorie „{category}“. Die Zahl beschreibt das Verzeichnis, nicht das Angebot.",
    bg: "{place}: този справочник съдържа {n} записа в категорията „{category}“. Числото описва справочника, а не предлагането на услуги.",
    lt: "{place}: šiame kataloge yra įrašų kategorijoje „{category}“: {n}. Skaičius apibūdina katalogą, o ne paslaugų pasiūlą.",
  },
  "cov.caveat.rowAll": {
    it: "{place}: questo elenco contiene {n} schede. I dati descrivono l'elenco, non l'offerta di servizi.",
    en: "This directory holds {n} records in {place}: the figures describe the directory, not the supply.",
    de: "{place}: Dieses Verzeichnis enthält {n} Einträge. Die Zahlen beschreiben das Verzeichnis, nicht das Angebot.",
    bg: "{place}: този справочник съдържа {n} записа. Числата описват справочника, а не предлагането на услуги.",
    lt: "{place}: šiame kataloge yra įrašų: {n}. Skaičiai apibūdina katalogą, o ne paslaugų pasiūlą.",
  },
  "cov.caveat.complete": {
    it: "{place}: l'elenco è dichiarato completo per quanto mostrato ({n} schede); il dato descrive l'offerta.",
    en: "{place}: the directory is declared complete for what is shown ({n} records); the figure describes the supply.",
    de: "{place}: Das Verzeichnis ist für das Gezeigte als vollständig erklärt ({n} Einträge); die Zahl beschreibt das Angebot.",
    bg: "{place}: справочникът е обявен за пълен за показаното ({n} записа); числото описва предлагането.",
    lt: "{place}: katalogas paskelbtas išsamiu tam, kas rodoma (įrašų: {n}); skaičius apibūdina pasiūlą.",
  },
  "cov.caveat.view": {
    it: "Le aree tratteggiate ({n}) non sono coperte per intero da questo elenco: i loro dati descrivono l'elenco, non l'offerta di servizi. Scegliete un'area per il numero di schede.",
    en: "Hatched areas ({n}) are not fully covered by this directory: their figures describe the directory, not the supply. Choose one to see how many records it holds.",
    de: "Schraffierte Gebiete ({n}) deckt dieses Verzeichnis nicht vollständig ab: Ihre Zahlen beschreiben das Verzeichnis, nicht das Angebot. Wählen Sie eines, um die Zahl der Einträge zu sehen.",
    bg: "Щрихованите области ({n}) не са изцяло обхванати от справочника: числата им описват справочника, а не предлагането. Изберете една, за да видите колко записа има.",
    lt: "Užbrūkšniuotų sričių ({n}) šis katalogas neapima išsamiai: jų skaičiai apibūdina katalogą, o ne pasiūlą. Pasirinkite vieną, kad pamatytumėte įrašų skaičių.",
  },
  "cov.gaps.incomplete": {
    it: "Le distanze sono misurate dai servizi di questo elenco, che non li contiene tutti.",
    en: "Distances are to the services in this directory, which does not hold them all.",
    de: "Die Entfernungen beziehen sich auf die Dienste dieses Verzeichnisses, das nicht alle enthält.",
    bg: "Разстоянията са до услугите в този справочник, който не ги съдържа всички.",
    lt: "Atstumai matuojami iki šio katalogo paslaugų, o jame yra ne visos.",
  },
};

Object.assign(QUALITY_STRINGS, {
  "trust.verified": {
    it: "Verificato {when}",
    en: "Verified {when}",
    de: "Geprüft {when}",
    bg: "Проверено {when}",
    lt: "Patikrinta {when}",
  },
  "trust.never": {
    it: "Mai verificato",
    en: "Never verified",
    de: "Nie geprüft",
    bg: "Никога не е проверявано",
    lt: "Niekada netikrinta",
  },
  "trust.stale": {
    it: "verifica più vecchia di un anno",
    en: "last checked over a year ago",
    de: "zuletzt vor über einem Jahr geprüft",
    bg: "последна проверка преди повече от година",
    lt: "paskutinį kartą tikrinta daugiau nei prieš metus",
  },
  "trust.sourceIs": {
    it: "Fonte: {v}",
    en: "Source: {v}",
    de: "Quelle: {v}",
    bg: "Източник: {v}",
    lt: "Šaltinis: {v}",
  },
});
