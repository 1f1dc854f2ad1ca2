//! The receipt and the cash closing report, laid out for print, in Spanish or English.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::pdf::{Layout, MARGIN, PAGE_WIDTH, left, right};
use crate::billing::model::{Charge, Payment};
use crate::cash::model::CashReport;
use crate::error::AppResult;
use crate::money::{EntryKind, Method};
use crate::profile::model::ClinicProfile;

/// The language a document is printed in (the UI's current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum Lang {
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The language's tag, as a PDF's metadata names it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Es => "es-MX",
            Lang::En => "en",
        }
    }
}

struct Labels {
    receipt: &'static str,
    folio: &'static str,
    date: &'static str,
    patient: &'static str,
    description: &'static str,
    quantity: &'static str,
    unit_price: &'static str,
    discount: &'static str,
    amount: &'static str,
    total: &'static str,
    payments: &'static str,
    paid: &'static str,
    balance: &'static str,
    not_fiscal: &'static str,
    methods: [&'static str; 3],
    corte_x: &'static str,
    corte_z: &'static str,
    register: &'static str,
    opened: &'static str,
    closed: &'static str,
    concept: &'static str,
    opening_float: &'static str,
    kinds: [&'static str; 6],
    expected: &'static str,
    counted: &'static str,
    difference: &'static str,
    denominations: &'static str,
    entries: &'static str,
    note: &'static str,
    handed_over: &'static str,
    received: &'static str,
    by: &'static str,
    generated: &'static str,
    audit_chain: &'static str,
}

const ES: Labels = Labels {
    receipt: "Recibo de pago",
    folio: "Folio",
    date: "Fecha",
    patient: "Paciente",
    description: "Descripción",
    quantity: "Cant.",
    unit_price: "P. unitario",
    discount: "Descuento",
    amount: "Importe",
    total: "Total",
    payments: "Pagos",
    paid: "Pagado",
    balance: "Saldo pendiente",
    not_fiscal: "Este recibo no es un comprobante fiscal (CFDI).",
    methods: ["Efectivo", "Tarjeta", "Transferencia"],
    corte_x: "Corte X (parcial)",
    corte_z: "Corte Z (cierre de caja)",
    register: "Caja",
    opened: "Apertura",
    closed: "Cierre",
    concept: "Concepto",
    opening_float: "Fondo inicial",
    kinds: ["Cobros", "Devoluciones", "Gastos", "Retiros", "Depósitos", "Ajustes"],
    expected: "Esperado",
    counted: "Contado",
    difference: "Diferencia",
    denominations: "Efectivo por denominación",
    entries: "Movimientos",
    note: "Nota",
    handed_over: "Entregó",
    received: "Recibió",
    by: "por",
    generated: "Generado",
    audit_chain: "Bitácora (registros · huella SHA-256)",
};

const EN: Labels = Labels {
    receipt: "Payment receipt",
    folio: "No.",
    date: "Date",
    patient: "Patient",
    description: "Description",
    quantity: "Qty",
    unit_price: "Unit price",
    discount: "Discount",
    amount: "Amount",
    total: "Total",
    payments: "Payments",
    paid: "Paid",
    balance: "Balance due",
    not_fiscal: "This receipt is not a tax invoice (CFDI).",
    methods: ["Cash", "Card", "Transfer"],
    corte_x: "X report (interim)",
    corte_z: "Z report (register close)",
    register: "Register",
    opened: "Opened",
    closed: "Closed",
    concept: "Item",
    opening_float: "Opening float",
    kinds: ["Payments", "Refunds", "Expenses", "Withdrawals", "Deposits", "Adjustments"],
    expected: "Expected",
    counted: "Counted",
    difference: "Difference",
    denominations: "Cash by denomination",
    entries: "Entries",
    note: "Note",
    handed_over: "Handed over",
    received: "Received",
    by: "by",
    generated: "Generated",
    audit_chain: "Audit log (entries · SHA-256 head)",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

fn method_label(l: &Labels, m: Method) -> &'static str {
    l.methods[Method::ALL.iter().position(|x| *x == m).unwrap_or(0)]
}

fn kind_label(l: &Labels, k: EntryKind) -> &'static str {
    let i = match k {
        EntryKind::Payment => 0,
        EntryKind::Refund => 1,
        EntryKind::Expense => 2,
        EntryKind::Withdrawal => 3,
        EntryKind::Deposit => 4,
        EntryKind::Adjustment => 5,
    };
    l.kinds[i]
}

/// `$1,234.50` (MXN and other dollar-sign currencies) or `1,234.50 EUR`.
pub fn money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = format!("{grouped}.{:02}", abs % 100);
    if matches!(currency, "MXN" | "USD") { format!("{sign}${number}") } else { format!("{sign}{number} {currency}") }
}

pub(super) fn when(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

pub(super) fn header(page: &mut Layout, clinic: &ClinicProfile) {
    page.line(&clinic.name, 16.0, true);
    for extra in [&clinic.address, &clinic.phone] {
        if !extra.is_empty() {
            page.line(extra, 9.0, false);
        }
    }
    if !clinic.rfc.is_empty() {
        page.line(&format!("RFC {}", clinic.rfc), 9.0, false);
    }
    page.gap(10.0);
}

const RIGHT_EDGE: f32 = PAGE_WIDTH - MARGIN;

/// A visit's or sale's receipt: its lines, the payments made on it and what is still owed.
pub fn receipt(
    clinic: &ClinicProfile,
    tz: Tz,
    charge: &Charge,
    payments: &[Payment],
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let cur = clinic.currency.as_str();
    let mut page = Layout::default();
    header(&mut page, clinic);
    let folio = format!("{} {:06}", l.folio, charge.folio);
    page.row(&[left(MARGIN, l.receipt), right(RIGHT_EDGE, &folio)], 13.0, true);
    page.row(&[left(MARGIN, &format!("{}: {}", l.date, when(charge.created_at, tz)))], 10.0, false);
    page.row(&[left(MARGIN, &format!("{}: {}", l.patient, charge.patient_name))], 10.0, false);
    page.gap(8.0);
    let (qty, unit, disc, amount) = (360.0, 430.0, 495.0, RIGHT_EDGE);
    page.row(
        &[
            left(MARGIN, l.description),
            right(qty, l.quantity),
            right(unit, l.unit_price),
            right(disc, l.discount),
            right(amount, l.amount),
        ],
        9.0,
        true,
    );
    page.rule();
    for line in &charge.lines {
        let description: String = line.description.chars().take(48).collect();
        let (q, u, d, t) = (
            line.quantity.to_string(),
            money(line.unit_price_cents, cur),
            if line.discount_cents > 0 { money(-line.discount_cents, cur) } else { String::new() },
            money(line.total_cents, cur),
        );
        page.row(
            &[left(MARGIN, &description), right(qty, &q), right(unit, &u), right(disc, &d), right(amount, &t)],
            9.5,
            false,
        );
        if line.discount_cents > 0 {
            page.row(&[left(MARGIN + 12.0, &line.discount_reason)], 8.0, false);
        }
    }
    page.rule();
    page.row(&[left(disc - 60.0, l.total), right(amount, &money(charge.total_cents, cur))], 11.0, true);
    page.gap(10.0);
    if !payments.is_empty() {
        page.line(l.payments, 10.0, true);
        for p in payments {
            let label = format!("{}  {}", when(p.at, tz), method_label(l, p.method));
            page.row(&[left(MARGIN, &label), right(amount, &money(p.amount_cents, cur))], 9.5, false);
        }
        page.rule();
    }
    let paid: i64 = payments.iter().map(|p| p.amount_cents).sum();
    page.row(&[left(disc - 60.0, l.paid), right(amount, &money(paid, cur))], 10.0, false);
    page.row(&[left(disc - 60.0, l.balance), right(amount, &money(charge.total_cents - paid, cur))], 10.0, true);
    page.gap(24.0);
    page.line(l.not_fiscal, 8.0, false);
    page.render()
}

/// Corte X or Z: per method, the float and every kind of entry, expected, counted and the
/// difference; then the denominations and every entry.
/// The audit chain as a report prints it: its length and its head.
pub struct AuditHead {
    pub rows: i64,
    pub head: String,
}

pub fn cash_report(
    clinic: &ClinicProfile,
    tz: Tz,
    report: &CashReport,
    audit: &AuditHead,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let cur = clinic.currency.as_str();
    let s = &report.session;
    let mut page = Layout::default();
    header(&mut page, clinic);
    let title = if s.closed_at.is_some() { l.corte_z } else { l.corte_x };
    page.row(&[left(MARGIN, title), right(RIGHT_EDGE, &format!("{} {}", l.register, s.register_name))], 13.0, true);
    page.line(&format!("{}: {} {} {}", l.opened, when(s.opened_at, tz), l.by, s.opened_by_name), 10.0, false);
    if let (Some(at), Some(by)) = (s.closed_at, &s.closed_by_name) {
        page.line(&format!("{}: {} {} {}", l.closed, when(at, tz), l.by, by), 10.0, false);
    }
    page.gap(8.0);
    let cols = [330.0, 440.0, RIGHT_EDGE];
    let mut head = vec![left(MARGIN, l.concept)];
    head.extend(cols.iter().zip(l.methods).map(|(&x, m)| right(x, m)));
    page.row(&head, 9.5, true);
    page.rule();
    let m = &report.methods;
    let float = [s.opening_float_cents, 0, 0];
    let amounts = |f: &dyn Fn(usize) -> i64| -> Vec<String> { (0..3).map(|i| money(f(i), cur)).collect() };
    let mut rows: Vec<(&str, Vec<String>, bool)> = vec![(l.opening_float, amounts(&|i| float[i]), false)];
    for (k, get) in [
        (EntryKind::Payment, (|x: &crate::cash::model::MethodSummary| x.payments_cents) as fn(&_) -> i64),
        (EntryKind::Refund, |x| x.refunds_cents),
        (EntryKind::Expense, |x| x.expenses_cents),
        (EntryKind::Withdrawal, |x| x.withdrawals_cents),
        (EntryKind::Deposit, |x| x.deposits_cents),
        (EntryKind::Adjustment, |x| x.adjustments_cents),
    ] {
        rows.push((kind_label(l, k), amounts(&|i| get(&m[i])), false));
    }
    rows.push((l.expected, amounts(&|i| m[i].expected_cents), true));
    if m.iter().all(|x| x.counted_cents.is_some()) {
        rows.push((l.counted, amounts(&|i| m[i].counted_cents.unwrap_or(0)), true));
        rows.push((l.difference, amounts(&|i| m[i].difference_cents.unwrap_or(0)), true));
    }
    for (label, values, bold) in &rows {
        let mut cells = vec![left(MARGIN, label)];
        cells.extend(cols.iter().zip(values).map(|(&x, v)| right(x, v)));
        page.row(&cells, 9.5, *bold);
    }
    page.rule();
    if let Some(pieces) = &report.denominations {
        page.gap(6.0);
        page.line(l.denominations, 10.0, true);
        for d in pieces {
            let label = format!("{} × {}", money(d.cents, cur), d.count);
            page.row(&[left(MARGIN, &label), right(cols[0], &money(d.cents * i64::from(d.count), cur))], 9.0, false);
        }
    }
    if !report.note.is_empty() {
        page.gap(6.0);
        page.line(&format!("{}: {}", l.note, report.note), 9.5, false);
    }
    page.gap(8.0);
    page.line(l.entries, 10.0, true);
    for e in &report.entries {
        let label: String = e.label.chars().take(40).collect();
        let time = e.at.with_timezone(&tz).format("%H:%M").to_string();
        page.row(
            &[
                left(MARGIN, &time),
                left(MARGIN + 40.0, kind_label(l, e.kind)),
                left(MARGIN + 125.0, method_label(l, e.method)),
                left(MARGIN + 210.0, &label),
                right(RIGHT_EDGE, &money(e.amount_cents, cur)),
            ],
            8.5,
            false,
        );
    }
    page.keep_together(80.0);
    page.gap(48.0);
    page.row(&[left(MARGIN, "______________________"), left(330.0, "______________________")], 9.0, false);
    page.row(&[left(MARGIN, l.handed_over), left(330.0, l.received)], 9.0, false);
    page.gap(10.0);
    page.line(&format!("{}: {}", l.generated, when(report.generated_at, tz)), 7.5, false);
    // The audit chain's head, to hold the log against later (a rewrite of the whole log).
    page.line(&format!("{}: {} · {}", l.audit_chain, audit.rows, audit.head), 7.0, false);
    page.render()
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_grouped_and_signed() {
        assert_eq!(money(0, "MXN"), "$0.00");
        assert_eq!(money(123_456_789, "MXN"), "$1,234,567.89");
        assert_eq!(money(-5, "MXN"), "-$0.05");
        assert_eq!(money(100_000, "EUR"), "1,000.00 EUR");
    }
}
