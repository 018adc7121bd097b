// The page scripts' words: Django's JavaScript catalogue (/jsi18n/, domain djangojs, loaded by
// templates/_script_catalogue.html before the modules) translates them; the Korean source
// text is the msgid, so a page without the catalogue still reads correctly in Korean.

const django = globalThis.django || {};

export function gettext(msgid) {
  return typeof django.gettext === "function" ? django.gettext(msgid) : msgid;
}

// interpolate("지금 %(n)s개 예약 가능", { n: 3 }): named placeholders, as in the .po files.
export function interpolate(format, values) {
  if (typeof django.interpolate === "function") return django.interpolate(format, values, true);
  return format.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
}
