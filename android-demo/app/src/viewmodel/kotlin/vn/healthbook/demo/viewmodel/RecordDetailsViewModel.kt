// One record, laid out for reading: a title and sections of label/value rows, per kind.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import vn.healthbook.Allergy
import vn.healthbook.Condition
import vn.healthbook.Facility
import vn.healthbook.HealthBook
import vn.healthbook.Immunization
import vn.healthbook.Observation
import vn.healthbook.ObservationValue
import vn.healthbook.Prescription
import vn.healthbook.ReAppointment
import vn.healthbook.Record
import vn.healthbook.RecordKind
import vn.healthbook.ReferralSlip
import vn.healthbook.Visit
import java.time.OffsetDateTime

data class DetailRow(val label: LocalText, val value: String)

data class DetailSection(val title: LocalText, val rows: List<DetailRow>)

data class RecordDetails(
    val recordId: String,
    val kind: RecordKind,
    val kindLabel: LocalText,
    val title: String,
    val sections: List<DetailSection>,
    /** Marked sensitive: left out of shares unless the citizen includes it. */
    val sensitive: Boolean,
)

class RecordDetailsViewModel(
    private val book: HealthBook,
    private val recordId: String,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow<Loadable<RecordDetails>>(Loadable.Loading)
    val state: StateFlow<Loadable<RecordDetails>> = _state

    fun load(): Job = scope.load(_state, io) { recordDetails(book.record(recordId)) }
}

/** Builds rows, leaving out the fields a record does not have. */
private class Rows {
    val rows = mutableListOf<DetailRow>()
    fun add(vi: String, en: String, value: String?) {
        if (!value.isNullOrBlank()) rows += DetailRow(LocalText(vi, en), value)
    }
}

private fun section(vi: String, en: String, build: Rows.() -> Unit) =
    DetailSection(LocalText(vi, en), Rows().apply(build).rows)

private fun OffsetDateTime.display(): String {
    val local = atZoneSameInstant(VIETNAM)
    return "%02d:%02d %s".format(local.hour, local.minute, local.toLocalDate().display())
}

private fun Facility.display() = "$name ($code)"

private fun Number.plain(): String = toString().removeSuffix(".0")

fun recordDetails(record: Record): RecordDetails = when (record) {
    is Record.Visit -> visit(record.visit)
    is Record.Prescription -> prescription(record.prescription)
    is Record.Referral -> referral(record.referral)
    is Record.Appointment -> appointment(record.appointment)
    is Record.Immunization -> immunization(record.immunization)
    is Record.Allergy -> allergy(record.allergy)
    is Record.Condition -> condition(record.condition)
    is Record.Observation -> observation(record.observation)
}

private fun details(id: String, kind: RecordKind, title: String, sensitive: Boolean, vararg sections: DetailSection) =
    RecordDetails(id, kind, kindLabel(kind), title, sections.filter { it.rows.isNotEmpty() }, sensitive)

private fun visit(v: Visit) = details(
    v.id, RecordKind.VISIT, v.diagnosisText, v.sensitive,
    section("Lần khám", "Visit") {
        add("Cơ sở", "Facility", v.facility.display())
        add("Khoa", "Department", v.department)
        add("Vào", "Start", v.start.display())
        add("Ra", "End", v.end?.display())
        add("Hình thức", "Type", if (v.inpatient) "Nội trú / Inpatient" else "Ngoại trú / Outpatient")
        add("Lý do khám", "Reason", v.reason)
        add("Bác sĩ", "Doctor", v.practitionerName)
    },
    section("Chẩn đoán", "Diagnosis") {
        add("Chẩn đoán", "Diagnosis", v.diagnosisText)
        add("Mã bệnh chính (ICD-10)", "Main ICD-10", v.mainIcd10)
        add("Mã bệnh kèm theo", "Secondary ICD-10", v.secondaryIcd10.joinToString(", "))
        add("Thủ thuật", "Procedures", v.procedures.joinToString(", "))
        add("Kết quả điều trị", "Result", v.treatmentResult?.name)
        add("Cân nặng (kg)", "Weight (kg)", v.weightKg?.plain())
    },
    section("Dặn dò", "Instructions") {
        add("Lời dặn", "Instructions", v.instructions)
        add("Ngày tái khám", "Re-exam", v.reExamDates.joinToString(", ") { it.display() })
        add("Tóm tắt", "Summary", v.summary)
    },
)

private fun prescription(p: Prescription) = details(
    p.id, RecordKind.PRESCRIPTION, p.diagnoses.joinToString("; ") { it.text }.ifBlank { "Đơn thuốc" }, p.sensitive,
    section("Đơn thuốc", "Prescription") {
        add("Mã đơn thuốc quốc gia", "National code", p.nationalCode)
        add("Ngày kê", "Issued", p.issuedAt.display())
        add("Cơ sở", "Facility", p.facility.display())
        add("Bác sĩ", "Prescriber", p.prescriberName)
        add("Chẩn đoán", "Diagnoses", p.diagnoses.joinToString("; ") { "${it.icd10} ${it.text}" })
    },
    DetailSection(
        LocalText("Thuốc", "Medicines"),
        p.lines.map { line ->
            val dosage = line.dosage
            DetailRow(
                LocalText.same(listOfNotNull(line.brandName, line.strength).joinToString(" ")),
                "${line.activeIngredient}: ${dosage.dosePerTime.plain()} ${line.unit} × ${dosage.timesPerDay}/ngày, " +
                    "${dosage.days} ngày" + (dosage.timing?.let { " ($it)" } ?: "") +
                    " — SL ${line.quantity.plain()}",
            )
        },
    ),
    section("Lời dặn", "Advice") {
        add("Lời dặn", "Advice", p.advice)
        add("Ngày tái khám", "Re-exam", p.reExamDate?.display())
    },
)

private fun referral(r: ReferralSlip) = details(
    r.id, RecordKind.REFERRAL, "${r.fromFacility.name} → ${r.toFacility.name}", r.sensitive,
    section("Giấy chuyển tuyến", "Referral slip") {
        add("Số giấy", "Slip number", r.slipNumber)
        add("Nơi chuyển", "From", r.fromFacility.display())
        add("Nơi đến", "To", r.toFacility.display())
        add("Ký ngày", "Signed", r.signedAt.display())
        add("Có giá trị đến", "Valid until", r.validUntil?.display())
        add("Bác sĩ", "Doctor", r.doctorName)
    },
    section("Tình trạng", "Condition") {
        add("Dấu hiệu lâm sàng", "Clinical signs", r.clinicalSigns)
        add("Chẩn đoán", "Diagnosis", r.diagnosisText)
        add("Mã ICD-10", "ICD-10", r.icd10.joinToString(", "))
        add("Diễn biến", "Disease course", r.diseaseCourse)
        add("Kết quả xét nghiệm", "Key results", r.keyResults)
        add("Đã điều trị", "Treatment given", r.treatmentGiven)
        add("Tình trạng khi chuyển", "At transfer", r.conditionAtTransfer)
        add("Hướng điều trị", "Planned treatment", r.plannedTreatment)
        add("Phương tiện", "Transport", r.transport)
        add("Người hộ tống", "Escort", r.escort?.let { "${it.name} (${it.role})" })
    },
)

private fun appointment(a: ReAppointment) = details(
    a.id, RecordKind.APPOINTMENT, "Tái khám ${a.appointmentDate.display()}", a.sensitive,
    section("Giấy hẹn tái khám", "Re-exam appointment") {
        add("Ngày hẹn", "Date", a.appointmentDate.display())
        add("Cơ sở", "Facility", a.facility.display())
        add("Khoa", "Department", a.department)
        add("Chẩn đoán", "Diagnosis", a.diagnosisText)
        add("Mã ICD-10", "ICD-10", a.icd10.joinToString(", "))
        add("Bác sĩ", "Doctor", a.doctorName)
        add("Trạng thái", "Status", a.status.name)
        add("Số giấy hẹn", "Slip number", a.slipNumber)
    },
)

private fun immunization(i: Immunization) = details(
    i.id, RecordKind.IMMUNIZATION, i.vaccineName, i.sensitive,
    section("Mũi tiêm", "Dose") {
        add("Vắc xin", "Vaccine", i.vaccineName)
        add("Ngày tiêm", "Date", i.date.display())
        add("Mũi thứ", "Dose number", i.doseNumber?.toString())
        add("Phòng bệnh", "Against", i.antigens.joinToString(", "))
        add("Số lô", "Lot", i.lot)
        add("Nơi tiêm", "Where", i.facility?.display())
        add("Chương trình", "Programme", i.programme.name)
        add("Phản ứng sau tiêm", "Reactions", i.reactions)
    },
)

private fun allergy(a: Allergy) = details(
    a.id, RecordKind.ALLERGY, a.substance, a.sensitive,
    section("Dị ứng", "Allergy") {
        add("Dị nguyên", "Substance", a.substance)
        add("Loại", "Category", a.category.name)
        add("Mức độ", "Criticality", a.criticality?.name)
        add("Biểu hiện", "Reaction", a.reaction)
        add("Ghi nhận ngày", "Recorded", a.recordedOn.display())
        add("Ghi chú", "Note", a.note)
    },
)

private fun condition(c: Condition) = details(
    c.id, RecordKind.CONDITION, c.text, c.sensitive,
    section("Tiền sử", "History") {
        add("Bệnh", "Condition", c.text)
        add("Loại tiền sử", "Kind", c.history.name)
        add("Mã ICD-10", "ICD-10", c.icd10)
        add("Khởi phát", "Onset", c.onset?.display())
        add("Tình trạng", "Status", c.status.name)
        add("Người thân", "Relative", c.relative)
        add("Ghi nhận ngày", "Recorded", c.recordedOn.display())
    },
)

private fun observation(o: Observation): RecordDetails {
    val value = when (val v = o.value) {
        is ObservationValue.Quantity -> "${v.value.plain()} ${v.unit}"
        is ObservationValue.BloodPressure -> "${v.systolic}/${v.diastolic} mmHg"
        is ObservationValue.Text -> v.text
    }
    return details(
        o.id, RecordKind.OBSERVATION, "${o.kind.name}: $value", o.sensitive,
        section("Chỉ số", "Measurement") {
            add("Chỉ số", "Kind", o.kind.name)
            add("Giá trị", "Value", value)
            add("Lúc", "At", o.at.display())
            add("Ghi chú", "Note", o.note)
        },
    )
}
