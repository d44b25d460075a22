// A record's details as titled sections of label/value rows, one layout per kind: the visit,
// the prescription with a section per drug line and its dosage, the referral slip, the re-exam
// appointment, the immunization, the allergy, the history entry and the observation.
//
// Rows whose value is missing are left out rather than shown empty. Values that are words
// (outpatient, cured, by mouth …) come in both languages; data (names, codes, free text written
// by the facility) is shown as written.

import Foundation
import HealthBookKit
import Observation

public struct DetailRow: Equatable, Hashable, Sendable {
    public let label: Bilingual
    public let value: Bilingual

    public init(_ label: Bilingual, _ value: Bilingual) {
        self.label = label
        self.value = value
    }
}

public struct DetailSection: Equatable, Hashable, Sendable {
    public let title: Bilingual
    public let rows: [DetailRow]

    public init(_ title: Bilingual, _ rows: [DetailRow]) {
        self.title = title
        self.rows = rows
    }
}

/// The name of each record kind.
public enum RecordKinds {
    public static let all: [RecordKind] = [
        .visit, .prescription, .referral, .appointment, .immunization, .allergy, .condition, .observation,
    ]

    public static func label(_ kind: RecordKind) -> Bilingual {
        switch kind {
        case .visit: return Bilingual("Lượt khám", "Visit")
        case .prescription: return Bilingual("Đơn thuốc", "Prescription")
        case .referral: return Bilingual("Giấy chuyển tuyến", "Referral slip")
        case .appointment: return Bilingual("Giấy hẹn tái khám", "Re-exam appointment")
        case .immunization: return Bilingual("Tiêm chủng", "Immunization")
        case .allergy: return Bilingual("Dị ứng", "Allergy")
        case .condition: return Bilingual("Tiền sử bệnh", "Medical history")
        case .observation: return Bilingual("Chỉ số sức khoẻ", "Health measurement")
        }
    }
}

/// Builds the sections of a record's detail screen.
public enum RecordDetails {
    public static func kind(of record: Record) -> RecordKind {
        record.recordKind()
    }

    public static func sections(for record: Record) -> [DetailSection] {
        switch record {
        case let .visit(visit):
            return self.visit(visit) + [about(visit.source, sensitive: visit.sensitive)]
        case let .prescription(prescription):
            return self.prescription(prescription) + [about(prescription.source, sensitive: prescription.sensitive)]
        case let .referral(referral):
            return self.referral(referral) + [about(referral.source, sensitive: referral.sensitive)]
        case let .appointment(appointment):
            return self.appointment(appointment) + [about(appointment.source, sensitive: appointment.sensitive)]
        case let .immunization(immunization):
            return self.immunization(immunization) + [about(immunization.source, sensitive: immunization.sensitive)]
        case let .allergy(allergy):
            return self.allergy(allergy) + [about(allergy.source, sensitive: allergy.sensitive)]
        case let .condition(condition):
            return self.condition(condition) + [about(condition.source, sensitive: condition.sensitive)]
        case let .observation(observation):
            return self.observation(observation) + [about(observation.source, sensitive: observation.sensitive)]
        }
    }

    /// Where the record comes from, and whether shares leave it out.
    static func about(_ source: RecordSource, sensitive: Bool) -> DetailSection {
        var rows = [DetailRow(L.source, words(source))]
        if sensitive {
            rows.append(DetailRow(L.sensitive, Bilingual(
                "Có — không chia sẻ trừ khi bạn chọn",
                "Yes — left out of shares unless you choose it"
            )))
        }
        return DetailSection(Bilingual("Về mục này", "About this record"), rows)
    }

    // MARK: Kinds

    static func visit(_ visit: Visit) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.facility, visit.facility.name)
        rows.add(L.department, visit.department)
        rows.add(L.start, BookDates.display(instant: visit.start))
        rows.add(L.end, visit.end.map(BookDates.display(instant:)))
        rows.add(L.care, visit.inpatient ? Bilingual("Nội trú", "Inpatient") : Bilingual("Ngoại trú", "Outpatient"))
        rows.add(L.reason, visit.reason)
        rows.add(L.diagnosis, visit.diagnosisText)
        rows.add(L.icd10, codes([visit.mainIcd10].compactMap { $0 } + visit.secondaryIcd10))
        rows.add(L.procedures, lines(visit.procedures))
        rows.add(L.treatmentResult, visit.treatmentResult.map(words))
        rows.add(L.discharge, visit.dischargeType.map(words))
        rows.add(L.weight, visit.weightKg.map { "\(number($0)) kg" })
        rows.add(L.instructions, visit.instructions)
        rows.add(L.reExamDates, lines(visit.reExamDates.map(BookDates.display(_:))))
        rows.add(L.doctor, person(visit.practitionerName, licence: visit.practitionerLicence))
        rows.add(L.summary, visit.summary)
        return [DetailSection(RecordKinds.label(.visit), rows.rows)]
    }

    static func prescription(_ prescription: Prescription) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.prescriptionKind, words(prescription.kind))
        rows.add(L.prescriptionCode, prescription.nationalCode)
        rows.add(L.issuedAt, BookDates.display(instant: prescription.issuedAt))
        rows.add(L.facility, prescription.facility.name)
        rows.add(L.prescriber, person(prescription.prescriberName, licence: prescription.prescriberLicence))
        rows.add(L.diagnosis, lines(prescription.diagnoses.map { "\($0.text) (\($0.icd10))" }))
        rows.add(L.patientWeight, prescription.patientWeightKg.map { "\(number($0)) kg" })
        rows.add(L.patientAge, prescription.patientAgeMonths.map {
            Bilingual("\($0) tháng", "\($0) months")
        })
        rows.add(L.advice, prescription.advice)
        rows.add(L.reExamDate, prescription.reExamDate.map(BookDates.display(_:)))
        var sections = [DetailSection(RecordKinds.label(.prescription), rows.rows)]
        for (index, line) in prescription.lines.enumerated() {
            sections.append(drugLine(line, number: index + 1))
        }
        return sections
    }

    static func drugLine(_ line: DrugLine, number: Int) -> DetailSection {
        var rows = Rows()
        rows.add(L.activeIngredient, line.activeIngredient)
        rows.add(L.strength, line.strength)
        rows.add(L.quantity, "\(self.number(line.quantity)) \(line.unit)")
        rows.add(L.dosage, dosage(line.dosage, unit: line.unit))
        rows.add(L.route, line.dosage.route)
        rows.add(L.timing, line.dosage.timing)
        rows.add(L.drugCode, line.drugCode)
        return DetailSection(
            Bilingual("Thuốc \(number): \(line.brandName)", "Medicine \(number): \(line.brandName)"),
            rows.rows
        )
    }

    /// "1 viên × 2 lần/ngày, trong 5 ngày".
    public static func dosage(_ dosage: Dosage, unit: String) -> Bilingual {
        let dose = number(dosage.dosePerTime)
        return Bilingual(
            "\(dose) \(unit) × \(dosage.timesPerDay) lần/ngày, trong \(dosage.days) ngày",
            "\(dose) \(unit) × \(dosage.timesPerDay) \(dosage.timesPerDay == 1 ? "time" : "times") a day, "
                + "for \(dosage.days) \(dosage.days == 1 ? "day" : "days")"
        )
    }

    static func referral(_ slip: ReferralSlip) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.slipNumber, slip.slipNumber)
        rows.add(L.fromFacility, slip.fromFacility.name)
        rows.add(L.toFacility, slip.toFacility.name)
        rows.add(L.reasonForReferral, words(slip.reason))
        rows.add(L.validUntil, slip.validUntil.map(BookDates.display(_:)))
        rows.add(L.chronic, slip.chronicDisease ? Bilingual("Có (giấy có giá trị 1 năm)", "Yes (valid for one year)") : nil)
        var clinical = Rows()
        clinical.add(L.clinicalSigns, slip.clinicalSigns)
        clinical.add(L.diagnosis, slip.diagnosisText)
        clinical.add(L.icd10, codes(slip.icd10))
        clinical.add(L.diseaseCourse, slip.diseaseCourse)
        clinical.add(L.keyResults, slip.keyResults)
        clinical.add(L.treatmentGiven, slip.treatmentGiven)
        clinical.add(L.conditionAtTransfer, slip.conditionAtTransfer)
        clinical.add(L.plannedTreatment, slip.plannedTreatment)
        var transfer = Rows()
        transfer.add(L.transport, slip.transport)
        transfer.add(L.escort, slip.escort.map { "\($0.name) (\($0.role))" })
        transfer.add(L.doctor, person(slip.doctorName, licence: slip.doctorLicence))
        transfer.add(L.signedAt, BookDates.display(instant: slip.signedAt))
        return [
            DetailSection(RecordKinds.label(.referral), rows.rows),
            DetailSection(Bilingual("Tình trạng người bệnh", "The patient's condition"), clinical.rows),
            DetailSection(Bilingual("Chuyển tuyến", "Transfer"), transfer.rows),
        ].filter { !$0.rows.isEmpty }
    }

    static func appointment(_ appointment: ReAppointment) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.appointmentDate, BookDates.display(appointment.appointmentDate))
        rows.add(L.status, words(appointment.status))
        rows.add(L.facility, appointment.facility.name)
        rows.add(L.department, appointment.department)
        rows.add(L.diagnosis, appointment.diagnosisText)
        rows.add(L.icd10, codes(appointment.icd10))
        rows.add(L.doctor, appointment.doctorName)
        rows.add(L.slipNumber, appointment.slipNumber)
        rows.add(L.issuedAt, BookDates.display(instant: appointment.issuedAt))
        return [DetailSection(RecordKinds.label(.appointment), rows.rows)]
    }

    static func immunization(_ immunization: Immunization) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.vaccine, immunization.vaccineName)
        rows.add(L.vaccineCode, immunization.vaccineCode)
        rows.add(L.antigens, immunization.antigens.isEmpty ? nil : immunization.antigens.joined(separator: ", "))
        rows.add(L.doseNumber, immunization.doseNumber.map { Bilingual("Mũi \($0)", "Dose \($0)") })
        rows.add(L.dateGiven, BookDates.display(immunization.date))
        rows.add(L.programme, words(immunization.programme))
        rows.add(L.facility, immunization.facility?.name)
        rows.add(L.lot, immunization.lot)
        rows.add(L.reactions, immunization.reactions)
        return [DetailSection(RecordKinds.label(.immunization), rows.rows)]
    }

    static func allergy(_ allergy: Allergy) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.substance, allergy.substance)
        rows.add(L.allergyCategory, words(allergy.category))
        rows.add(L.criticality, allergy.criticality.map(words))
        rows.add(L.reaction, allergy.reaction)
        rows.add(L.recordedOn, BookDates.display(allergy.recordedOn))
        rows.add(L.note, allergy.note)
        return [DetailSection(RecordKinds.label(.allergy), rows.rows)]
    }

    static func condition(_ condition: Condition) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.historyKind, words(condition.history))
        rows.add(L.conditionText, condition.text)
        rows.add(L.icd10, condition.icd10)
        rows.add(L.relative, condition.relative)
        rows.add(L.onset, condition.onset.map(BookDates.display(_:)))
        rows.add(L.status, words(condition.status))
        rows.add(L.recordedOn, BookDates.display(condition.recordedOn))
        return [DetailSection(RecordKinds.label(.condition), rows.rows)]
    }

    static func observation(_ observation: Observation) -> [DetailSection] {
        var rows = Rows()
        rows.add(L.measurement, words(observation.kind))
        rows.add(L.value, value(observation.value))
        rows.add(L.measuredAt, BookDates.display(instant: observation.at))
        rows.add(L.note, observation.note)
        return [DetailSection(RecordKinds.label(.observation), rows.rows)]
    }

    public static func value(_ value: ObservationValue) -> Bilingual {
        switch value {
        case let .quantity(amount, unit):
            return .same("\(number(amount)) \(unit)")
        case let .bloodPressure(systolic, diastolic):
            return .same("\(systolic)/\(diastolic) mmHg")
        case let .text(text):
            return .same(text)
        }
    }

    // MARK: Values

    /// 2.0 → "2", 0.5 → "0,5" (Vietnamese writes a decimal comma), at most two decimals.
    public static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 {
            return String(Int(rounded))
        }
        return String(rounded).replacingOccurrences(of: ".", with: ",")
    }

    static func codes(_ codes: [String]) -> String? {
        codes.isEmpty ? nil : codes.joined(separator: ", ")
    }

    static func lines(_ items: [String]) -> String? {
        items.isEmpty ? nil : items.joined(separator: "\n")
    }

    static func person(_ name: String?, licence: String?) -> String? {
        guard let name = name, !name.isEmpty else { return nil }
        guard let licence = licence, !licence.isEmpty else { return name }
        return "\(name) (CCHN \(licence))"
    }

    static func words(_ source: RecordSource) -> Bilingual {
        switch source {
        case .facility: return Bilingual("Cơ sở y tế gửi", "From a health facility")
        case .citizen: return Bilingual("Bạn tự ghi", "Written by you")
        case .imported: return Bilingual("Nhập từ tệp", "Imported from a file")
        }
    }

    static func words(_ result: TreatmentResult) -> Bilingual {
        switch result {
        case .cured: return Bilingual("Khỏi", "Cured")
        case .improved: return Bilingual("Đỡ, giảm", "Improved")
        case .unchanged: return Bilingual("Không thay đổi", "Unchanged")
        case .worse: return Bilingual("Nặng hơn", "Worse")
        case .died: return Bilingual("Tử vong", "Died")
        case .severeDischargedOnRequest: return Bilingual("Nặng, xin về", "Severe, discharged on request")
        case .undetermined: return Bilingual("Chưa xác định", "Undetermined")
        }
    }

    static func words(_ discharge: DischargeType) -> Bilingual {
        switch discharge {
        case .discharged: return Bilingual("Ra viện", "Discharged")
        case .transferred: return Bilingual("Chuyển viện", "Transferred")
        case .leftWithoutPermission: return Bilingual("Trốn viện", "Left without permission")
        case .dischargedOnRequest: return Bilingual("Xin ra viện", "Discharged on request")
        case .transferredOnRequest: return Bilingual("Xin chuyển viện", "Transferred on request")
        }
    }

    static func words(_ kind: PrescriptionKind) -> Bilingual {
        switch kind {
        case .general: return Bilingual("Đơn thuốc thường", "General")
        case .addictive: return Bilingual("Đơn thuốc gây nghiện", "Narcotic")
        case .psychotropic: return Bilingual("Đơn thuốc hướng thần", "Psychotropic")
        case .traditional: return Bilingual("Đơn thuốc y học cổ truyền", "Traditional medicine")
        }
    }

    static func words(_ reason: ReferralReason) -> Bilingual {
        switch reason {
        case .meetsCriteria: return Bilingual("Đủ điều kiện chuyển tuyến", "Meets the referral criteria")
        case .beyondCapacity: return Bilingual("Vượt khả năng chuyên môn", "Beyond the facility's capacity")
        case .patientRequest: return Bilingual("Theo yêu cầu người bệnh", "At the patient's request")
        }
    }

    static func words(_ status: AppointmentStatus) -> Bilingual {
        switch status {
        case .booked: return Bilingual("Đã hẹn", "Booked")
        case .attended: return Bilingual("Đã đến khám", "Attended")
        case .missed: return Bilingual("Lỡ hẹn", "Missed")
        case .cancelled: return Bilingual("Đã huỷ", "Cancelled")
        }
    }

    static func words(_ programme: ImmunizationProgramme) -> Bilingual {
        switch programme {
        case .expanded: return Bilingual("Tiêm chủng mở rộng (miễn phí)", "Expanded programme (free)")
        case .paidService: return Bilingual("Tiêm dịch vụ", "Paid service")
        case .campaign: return Bilingual("Chiến dịch tiêm chủng", "Vaccination campaign")
        }
    }

    static func words(_ category: AllergyCategory) -> Bilingual {
        switch category {
        case .medication: return Bilingual("Thuốc", "Medication")
        case .food: return Bilingual("Thức ăn", "Food")
        case .environment: return Bilingual("Môi trường", "Environment")
        case .biologic: return Bilingual("Sinh phẩm", "Biologic")
        }
    }

    static func words(_ criticality: AllergyCriticality) -> Bilingual {
        switch criticality {
        case .low: return Bilingual("Thấp", "Low")
        case .high: return Bilingual("Cao — cần báo cho bác sĩ", "High — tell every doctor")
        case .unableToAssess: return Bilingual("Chưa đánh giá được", "Not assessed")
        }
    }

    static func words(_ history: HistoryKind) -> Bilingual {
        switch history {
        case .medical: return Bilingual("Tiền sử bệnh", "Medical history")
        case .surgical: return Bilingual("Tiền sử phẫu thuật", "Surgical history")
        case .family: return Bilingual("Tiền sử gia đình", "Family history")
        }
    }

    static func words(_ status: ConditionStatus) -> Bilingual {
        switch status {
        case .active: return Bilingual("Đang mắc", "Active")
        case .resolved: return Bilingual("Đã khỏi", "Resolved")
        }
    }

    static func words(_ kind: ObservationKind) -> Bilingual {
        switch kind {
        case .note: return Bilingual("Ghi chú", "Note")
        case .bodyWeight: return Bilingual("Cân nặng", "Body weight")
        case .bodyHeight: return Bilingual("Chiều cao", "Height")
        case .bloodPressure: return Bilingual("Huyết áp", "Blood pressure")
        case .heartRate: return Bilingual("Nhịp tim", "Heart rate")
        case .bodyTemperature: return Bilingual("Nhiệt độ", "Temperature")
        case .bloodGlucose: return Bilingual("Đường huyết", "Blood glucose")
        }
    }
}

/// Rows being built; empty values are left out.
private struct Rows {
    var rows: [DetailRow] = []

    mutating func add(_ label: Bilingual, _ value: String?) {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return }
        rows.append(DetailRow(label, .same(value)))
    }

    mutating func add(_ label: Bilingual, _ value: Bilingual?) {
        guard let value = value, !value.vi.isEmpty else { return }
        rows.append(DetailRow(label, value))
    }
}

/// The row labels.
private enum L {
    static let source = Bilingual("Nguồn", "Source")
    static let sensitive = Bilingual("Nhạy cảm", "Sensitive")
    static let facility = Bilingual("Cơ sở y tế", "Facility")
    static let department = Bilingual("Khoa", "Department")
    static let start = Bilingual("Bắt đầu", "Start")
    static let end = Bilingual("Kết thúc", "End")
    static let care = Bilingual("Hình thức", "Care")
    static let reason = Bilingual("Lý do khám", "Reason for the visit")
    static let diagnosis = Bilingual("Chẩn đoán", "Diagnosis")
    static let icd10 = Bilingual("Mã ICD-10", "ICD-10 codes")
    static let procedures = Bilingual("Thủ thuật, phẫu thuật", "Procedures")
    static let treatmentResult = Bilingual("Kết quả điều trị", "Treatment result")
    static let discharge = Bilingual("Hình thức ra viện", "Discharge")
    static let weight = Bilingual("Cân nặng", "Weight")
    static let instructions = Bilingual("Lời dặn", "Instructions")
    static let reExamDates = Bilingual("Ngày tái khám", "Re-exam dates")
    static let doctor = Bilingual("Bác sĩ", "Doctor")
    static let summary = Bilingual("Tóm tắt", "Summary")
    static let prescriptionKind = Bilingual("Loại đơn", "Kind")
    static let prescriptionCode = Bilingual("Mã đơn thuốc quốc gia", "National prescription code")
    static let issuedAt = Bilingual("Ngày cấp", "Issued")
    static let prescriber = Bilingual("Bác sĩ kê đơn", "Prescriber")
    static let patientWeight = Bilingual("Cân nặng khi kê đơn", "Weight when prescribed")
    static let patientAge = Bilingual("Tuổi khi kê đơn", "Age when prescribed")
    static let advice = Bilingual("Lời dặn", "Advice")
    static let reExamDate = Bilingual("Ngày tái khám", "Re-exam date")
    static let activeIngredient = Bilingual("Hoạt chất", "Active ingredient")
    static let strength = Bilingual("Hàm lượng", "Strength")
    static let quantity = Bilingual("Số lượng", "Quantity")
    static let dosage = Bilingual("Liều dùng", "Dosage")
    static let route = Bilingual("Đường dùng", "Route")
    static let timing = Bilingual("Thời điểm dùng", "When to take")
    static let drugCode = Bilingual("Mã thuốc", "Drug code")
    static let slipNumber = Bilingual("Số giấy", "Slip number")
    static let fromFacility = Bilingual("Nơi chuyển đi", "Referred from")
    static let toFacility = Bilingual("Nơi chuyển đến", "Referred to")
    static let reasonForReferral = Bilingual("Lý do chuyển tuyến", "Reason for referral")
    static let validUntil = Bilingual("Có giá trị đến", "Valid until")
    static let chronic = Bilingual("Bệnh mạn tính", "Chronic disease")
    static let clinicalSigns = Bilingual("Dấu hiệu lâm sàng", "Clinical signs")
    static let diseaseCourse = Bilingual("Quá trình bệnh", "Course of the disease")
    static let keyResults = Bilingual("Kết quả xét nghiệm chính", "Key test results")
    static let treatmentGiven = Bilingual("Đã điều trị", "Treatment given")
    static let conditionAtTransfer = Bilingual("Tình trạng lúc chuyển", "Condition at transfer")
    static let plannedTreatment = Bilingual("Hướng điều trị", "Planned treatment")
    static let transport = Bilingual("Phương tiện vận chuyển", "Transport")
    static let escort = Bilingual("Người hộ tống", "Escort")
    static let signedAt = Bilingual("Ngày ký", "Signed")
    static let appointmentDate = Bilingual("Ngày hẹn", "Appointment date")
    static let status = Bilingual("Tình trạng", "Status")
    static let vaccine = Bilingual("Vắc xin", "Vaccine")
    static let vaccineCode = Bilingual("Mã vắc xin", "Vaccine code")
    static let antigens = Bilingual("Phòng bệnh", "Protects against")
    static let doseNumber = Bilingual("Mũi", "Dose")
    static let dateGiven = Bilingual("Ngày tiêm", "Date given")
    static let programme = Bilingual("Chương trình", "Programme")
    static let lot = Bilingual("Số lô", "Lot")
    static let reactions = Bilingual("Phản ứng sau tiêm", "Reactions")
    static let substance = Bilingual("Tác nhân", "Substance")
    static let allergyCategory = Bilingual("Nhóm", "Category")
    static let criticality = Bilingual("Mức độ nguy hiểm", "Criticality")
    static let reaction = Bilingual("Biểu hiện", "Reaction")
    static let recordedOn = Bilingual("Ngày ghi nhận", "Recorded on")
    static let note = Bilingual("Ghi chú", "Note")
    static let historyKind = Bilingual("Loại tiền sử", "History")
    static let conditionText = Bilingual("Bệnh", "Condition")
    static let relative = Bilingual("Người thân", "Relative")
    static let onset = Bilingual("Khởi phát", "Onset")
    static let measurement = Bilingual("Chỉ số", "Measurement")
    static let value = Bilingual("Giá trị", "Value")
    static let measuredAt = Bilingual("Thời điểm đo", "Measured at")
}

/// One record's detail screen.
@MainActor
public final class RecordDetailViewModel: Observable, TrackedModel {
    @Tracked public private(set) var title: Bilingual
    @Tracked public private(set) var sections: [DetailSection] = []
    @Tracked public private(set) var message: CitizenMessage?

    public let recordId: String
    private let session: BookSession
    public nonisolated let observationRegistrar = ObservationRegistrar()

    /// Shows `record` at once (from the timeline) and `load` re-reads it from the book.
    public init(session: BookSession, recordId: String, record: Record? = nil) {
        self.session = session
        self.recordId = recordId
        if let record = record {
            title = RecordKinds.label(RecordDetails.kind(of: record))
            sections = RecordDetails.sections(for: record)
        } else {
            title = Bilingual("Chi tiết", "Details")
        }
    }

    public func load() async {
        let recordId = self.recordId
        do {
            let record = try await session.run { book in try book.record(recordId: recordId) }
            title = RecordKinds.label(RecordDetails.kind(of: record))
            sections = RecordDetails.sections(for: record)
            message = nil
        } catch {
            message = CitizenMessage(for: error)
        }
    }
}
