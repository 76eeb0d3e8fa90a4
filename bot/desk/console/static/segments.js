/* What an SMS costs, as the agent types: a port of connectors/sms/segments.py (cost and
 * gsm_friendly), kept line for line so that tests/console/test_replies_browser.py can compare
 * the two on the same strings. GSM-7: 160 septets in one SMS, 153 per segment (extension
 * characters take two); anything else makes the whole text UCS-2: 70 code units, 67 per
 * segment (a character beyond U+FFFF takes two); a character is never cut between segments.
 */
(() => {
  "use strict";

  const GSM_BASIC = new Set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
  );
  const GSM_EXTENSION = new Set("\f^{}\\[~]|€");
  const GSM_SINGLE = 160, GSM_PART = 153, UCS2_SINGLE = 70, UCS2_PART = 67;
  const LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "\u200b": "",
  };

  const isGsm7 = (text) => [...text].every((ch) => GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch));

  function segments(widths, single, part) {
    const total = widths.reduce((sum, width) => sum + width, 0);
    if (total === 0) return 0;
    if (total <= single) return 1;
    let count = 1, used = 0;
    for (const width of widths) {
      if (used + width > part) {
        count += 1;
        used = 0;
      }
      used += width;
    }
    return count;
  }

  /* {encoding, units, segments} of one SMS body. */
  function cost(text) {
    const chars = [...text];
    if (isGsm7(text)) {
      const widths = chars.map((ch) => (GSM_EXTENSION.has(ch) ? 2 : 1));
      return { encoding: "GSM-7", units: widths.reduce((a, b) => a + b, 0), segments: segments(widths, GSM_SINGLE, GSM_PART) };
    }
    const widths = chars.map((ch) => (ch.codePointAt(0) > 0xffff ? 2 : 1));
    return { encoding: "UCS-2", units: widths.reduce((a, b) => a + b, 0), segments: segments(widths, UCS2_SINGLE, UCS2_PART) };
  }

  /* Typographic punctuation as GSM-7 look-alikes, only when that makes the whole text GSM-7. */
  function gsmFriendly(text) {
    const plain = [...text].map((ch) => (ch in LOOKALIKES ? LOOKALIKES[ch] : ch)).join("");
    return plain !== text && isGsm7(plain) ? plain : text;
  }

  /* What the agent's words cost as the SMS connector sends them. */
  const smsCost = (text) => cost(gsmFriendly(text.trim()));

  window.omnibotSegments = Object.freeze({ cost, gsmFriendly, smsCost, GSM_SINGLE, GSM_PART, UCS2_SINGLE, UCS2_PART });
})();
