// The HealthBook object through the generated Kotlin bindings, on the JVM against the real library:
// open, wrong key, rekey, writing every kind, timeline paging, search, validation errors.

package vn.healthbook.tests

import vn.healthbook.*
import java.io.File
import java.time.LocalDate
import java.time.OffsetDateTime

private val KEY = ByteArray(32) { (it * 7 + 1).toByte() }
private val OTHER_KEY = ByteArray(32) { (255 - it).toByte() }

private fun newBookPath(): String = File(tempDir(), "book.db").path

private val bachMai = Facility(code = "01001", name = "Bệnh viện Bạch Mai")

private fun mother() = Person(
    id = "",
    role = PersonRole.OWNER,
    fullName = "Nguyễn Thị Lan",
    dateOfBirth = LocalDate.of(1990, 3, 14),
    sex = Sex.FEMALE,
    personalId = "001190012345",
    previousPersonalIds = emptyList(),
    ethnicity = "Kinh",
    nationality = "VN",
    occupation = null,
    address = null,
    insurance = InsuranceCard("GD4010123456789", "01001", LocalDate.of(2026, 1, 1), LocalDate.of(2026, 12, 31)),
    bloodGroup = BloodGroup(AboGroup.O, RhFactor.POSITIVE),
    riskFactors = emptyList(),
    guardian = null,
)

private fun visit(personId: String, start: OffsetDateTime, diagnosis: String, icd10: String) = Record.Visit(
    Visit(
        id = "", personId = personId, source = RecordSource.FACILITY, sensitive = false,
        episodeKey = null, facility = bachMai, department = "Khoa Hô hấp",
        start = start, end = null, inpatient = false, reason = "Ho, sốt",
        diagnosisText = diagnosis, mainIcd10 = icd10, secondaryIcd10 = emptyList(), procedures = emptyList(),
        treatmentResult = TreatmentResult.IMPROVED, dischargeType = DischargeType.DISCHARGED, weightKg = 52.0,
        instructions = null, reExamDates = emptyList(), practitionerName = "BS. Phạm Văn Hùng",
        practitionerLicence = null, summary = null,
    ),
)

private fun oneOfEach(personId: String): List<Record> {
    val at = OffsetDateTime.parse("2026-11-19T08:30:00+07:00")
    return listOf(
        visit(personId, at, "Viêm phổi", "J18.9"),
        Record.Prescription(
            Prescription(
                id = "", personId = personId, source = RecordSource.FACILITY, sensitive = false,
                nationalCode = "01001abc1234-c", kind = PrescriptionKind.GENERAL, issuedAt = at.plusMinutes(30),
                facility = bachMai, prescriberName = "BS. Phạm Văn Hùng", prescriberLicence = null,
                diagnoses = listOf(Diagnosis("J18.9", "Viêm phổi")),
                lines = listOf(
                    DrugLine(
                        drugCode = null, brandName = "Augmentin 625mg", activeIngredient = "Amoxicillin + acid clavulanic",
                        strength = "500mg/125mg", unit = "viên", quantity = 14.0,
                        dosage = Dosage(1.0, 2u, "uống", "sau ăn", 7u),
                    ),
                ),
                advice = null, reExamDate = null, patientAgeMonths = null, patientWeightKg = null, replaces = null,
            ),
        ),
        Record.Referral(
            ReferralSlip(
                id = "", personId = personId, source = RecordSource.FACILITY, sensitive = false,
                slipNumber = "CT-2026-0042", fromFacility = Facility("01123", "Trung tâm Y tế quận Đống Đa"),
                toFacility = bachMai, clinicalSigns = "Khó thở", diagnosisText = "Viêm phổi nặng", icd10 = listOf("J18.9"),
                diseaseCourse = null, keyResults = null, treatmentGiven = null, conditionAtTransfer = null,
                reason = ReferralReason.BEYOND_CAPACITY, plannedTreatment = "Điều trị nội trú", transport = "Xe cứu thương",
                escort = null, doctorName = null, doctorLicence = null,
                signedAt = OffsetDateTime.parse("2026-11-20T10:00:00+07:00"), chronicDisease = false, validUntil = null,
            ),
        ),
        Record.Appointment(
            ReAppointment(
                id = "", personId = personId, source = RecordSource.FACILITY, sensitive = false, slipNumber = "HK-1",
                facility = bachMai, department = "Khoa Hô hấp", appointmentDate = LocalDate.of(2026, 12, 3),
                diagnosisText = "Viêm phổi", icd10 = listOf("J18.9"), doctorName = null,
                issuedAt = OffsetDateTime.parse("2026-11-20T10:00:00+07:00"), status = AppointmentStatus.BOOKED,
            ),
        ),
        Record.Immunization(
            Immunization(
                id = "", personId = personId, source = RecordSource.FACILITY, sensitive = false,
                vaccineCode = "VAT", vaccineName = "Uốn ván hấp phụ (VAT)", cvx = 35u, antigens = listOf("Td"),
                doseNumber = 1u, date = LocalDate.of(2025, 10, 1), lot = "L01", facility = null,
                programme = ImmunizationProgramme.EXPANDED, reactions = null,
            ),
        ),
        Record.Allergy(
            Allergy(
                id = "", personId = personId, source = RecordSource.CITIZEN, sensitive = false, substance = "Penicillin",
                category = AllergyCategory.MEDICATION, criticality = AllergyCriticality.HIGH, reaction = "Nổi mề đay",
                recordedOn = LocalDate.of(2020, 5, 1), note = null,
            ),
        ),
        Record.Condition(
            Condition(
                id = "", personId = personId, source = RecordSource.CITIZEN, sensitive = false,
                history = HistoryKind.MEDICAL, text = "Tăng huyết áp", icd10 = "I10", onset = LocalDate.of(2022, 6, 1),
                recordedOn = LocalDate.of(2022, 6, 1), status = ConditionStatus.ACTIVE, relative = null,
            ),
        ),
        Record.Observation(
            Observation(
                id = "", personId = personId, source = RecordSource.CITIZEN, sensitive = false,
                kind = ObservationKind.BLOOD_PRESSURE, at = OffsetDateTime.parse("2026-11-21T20:00:00+07:00"),
                value = ObservationValue.BloodPressure(128u, 82u), note = "Đo ở nhà",
            ),
        ),
    )
}

private fun firstPage(limit: UInt = 50u) = TimelineQuery(limit = limit)

val bookTests: List<TestCase> = listOf(
    "a new book opens with a 32-byte key and has no people" to {
        val path = newBookPath()
        HealthBook.open(path, KEY).use { book -> assertEquals(emptyList<Person>(), book.people()) }
        assertTrue(File(path).exists(), "the database file exists after opening")
    },

    "a wrong key is WrongKey with a message, and the file is unchanged" to {
        val path = newBookPath()
        HealthBook.open(path, KEY).use { book -> book.addPerson(mother()) }
        val before = File(path).readBytes()
        val error = assertThrows<HealthBookException.WrongKey> { HealthBook.open(path, OTHER_KEY).close() }
        assertTrue(!error.message.isNullOrBlank(), "the exception has a message")
        assertTrue(before.contentEquals(File(path).readBytes()), "the file changed after a wrong key")
        HealthBook.open(path, KEY).use { book -> assertEquals(1, book.people().size) }
    },

    "a key of the wrong length is a validation error on key, and its message is the core's sentence" to {
        val error = assertThrows<HealthBookException.Validation> { HealthBook.open(newBookPath(), ByteArray(16)) }
        assertEquals("key", error.field)
        assertTrue(error.message.startsWith("invalid key: "), "the message names the field: ${error.message}")
        assertFalse(error.message.contains("reason=") || error.message.contains("field="), "not a list of fields: ${error.message}")
        assertTrue(error.message.contains(error.reason), "the message says why: ${error.message}")
        assertTrue(error.message.contains("16"), "message says what was given: ${error.message}")
        assertEquals(error.message, error.toString(), "toString() is the same sentence")
        assertEquals(error.message, error.localizedMessage, "and so is localizedMessage")
    },

    "use {} closes the book: later calls are Closed, the file is one file again, and it reopens" to {
        val path = newBookPath()
        val book = HealthBook.open(path, KEY)
        book.use { it.addPerson(mother()) }
        val error = assertThrows<HealthBookException.Closed>("a call after use {}") { book.people() }
        assertTrue(error.message.startsWith("closed: "), "the core's sentence: ${error.message}")
        assertThrows<HealthBookException.Closed>("a write after use {}") { book.addPerson(mother()) }
        book.close()
        book.closeBook()
        assertFalse(File("$path-wal").exists(), "the WAL was folded back into the book")
        HealthBook.open(path, KEY).use { again -> assertEquals(1, again.people().size, "what was written is there") }
    },

    "closeBook() closes this object; another one opened on the same file works as ever" to {
        val path = newBookPath()
        val book = HealthBook.open(path, KEY)
        val owner = book.addPerson(mother())
        book.closeBook()
        assertThrows<HealthBookException.Closed> { book.person(owner.id) }
        assertThrows<HealthBookException.Closed> { book.timeline(owner.id, firstPage()) }
        // Another object for the same file works as ever.
        HealthBook.open(path, KEY).use { again -> assertEquals(owner, again.person(owner.id)) }
    },

    "resolving a conflict that does not exist is NotFound, either way" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            for (resolution in ConflictResolution.entries) {
                val error = assertThrows<HealthBookException.NotFound>("$resolution") { book.resolveSyncConflict("no-such-record", resolution) }
                assertTrue(error.message.contains("no-such-record"), "names the record: ${error.message}")
            }
            assertEquals(emptyList<SyncConflict>(), book.syncConflicts())
        }
    },

    "records are values: copy makes a changed one and leaves the original as it was" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val allergy = (book.addRecord(oneOfEach(owner.id).filterIsInstance<Record.Allergy>().single()) as Record.Allergy).allergy
            val changed = allergy.copy(reaction = "Khó thở", note = "Ghi lại")
            val updated = book.updateRecord(Record.Allergy(changed)) as Record.Allergy
            assertEquals("Nổi mề đay", allergy.reaction, "the original is unchanged")
            assertEquals("Khó thở", updated.allergy.reaction)
            assertEquals(changed, (book.record(allergy.id) as Record.Allergy).allergy, "read back as changed")
        }
    },

    "rekey: the new key opens the book and the old one no longer does" to {
        val path = newBookPath()
        HealthBook.open(path, KEY).use { book ->
            val owner = book.addPerson(mother())
            book.addRecords(oneOfEach(owner.id))
            book.rekey(OTHER_KEY)
            assertEquals(8, book.timeline(owner.id, firstPage()).entries.size, "the open book still reads")
        }
        assertThrows<HealthBookException.WrongKey> { HealthBook.open(path, KEY).close() }
        HealthBook.open(path, OTHER_KEY).use { book -> assertEquals(1, book.people().size) }
    },

    "every kind of record is written and read back as its Record subclass" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val written = book.addRecords(oneOfEach(owner.id))
            assertEquals(8, written.size)
            assertEquals(RecordKind.entries.toSet(), written.map { it.recordKind() }.toSet(), "one of each kind")
            assertTrue(written.all { it.recordPersonId() == owner.id && it.recordId().isNotEmpty() }, "ids assigned")
            val kinds = written.map { record -> book.record(record.recordId())::class.simpleName }.toSet()
            assertEquals(
                setOf("Visit", "Prescription", "Referral", "Appointment", "Immunization", "Allergy", "Condition", "Observation"),
                kinds,
            )
            val referral = written.filterIsInstance<Record.Referral>().single().referral
            assertEquals(LocalDate.of(2026, 12, 4), referral.validUntil, "10 working days after Friday 20/11")
            val read = book.record(referral.id) as Record.Referral
            assertEquals(referral, read.referral, "read back exactly as written")
        }
    },

    "timeline pages with a cursor cover every record once, newest first" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val start = OffsetDateTime.parse("2020-01-01T08:00:00+07:00")
            book.addRecords((0 until 120).map { visit(owner.id, start.plusDays((it / 2).toLong()), "Viêm họng cấp", "J02.9") })
            val seen = mutableListOf<TimelineEntry>()
            var cursor: String? = null
            var pages = 0
            do {
                val page = book.timeline(owner.id, TimelineQuery(limit = 25u, cursor = cursor))
                seen += page.entries
                cursor = page.nextCursor
                pages++
            } while (cursor != null)
            assertEquals(5, pages)
            assertEquals(120, seen.map { it.recordId }.toSet().size)
            assertTrue(seen.zipWithNext().all { (a, b) -> !a.at.isBefore(b.at) }, "newest first")
        }
    },

    "timeline filters by kind and by date range" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            book.addRecords(oneOfEach(owner.id))
            val visits = book.timeline(owner.id, TimelineQuery(kinds = listOf(RecordKind.VISIT)))
            assertEquals(listOf(RecordKind.VISIT), visits.entries.map { it.kind })
            val inNovember = book.timeline(owner.id, TimelineQuery(from = LocalDate.of(2026, 11, 19), to = LocalDate.of(2026, 11, 21)))
            assertEquals(4, inNovember.entries.size, "visit, prescription, referral, blood pressure")
        }
    },

    "search ignores case and Vietnamese diacritics" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            book.addRecords(oneOfEach(owner.id))
            val hits = book.search(owner.id, "viem phoi", 20u)
            assertEquals(4, hits.size, "visit, prescription, referral and appointment mention Viêm phổi")
            assertEquals(1, book.search(owner.id, "TANG HUYET", 20u).size)
            assertEquals(0, book.search(owner.id, "sốt xuất huyết", 20u).size)
        }
    },

    "an invalid ICD-10 code names the field and nothing of the batch is written" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val records = oneOfEach(owner.id) + visit(owner.id, OffsetDateTime.parse("2026-01-01T08:00:00+07:00"), "Viêm phổi", "J18.123")
            val error = assertThrows<HealthBookException.Validation> { book.addRecords(records) }
            assertEquals("records[8].visit.main_icd10", error.field)
            assertTrue(!error.message.isNullOrBlank(), "message")
            assertEquals(0, book.timeline(owner.id, firstPage()).entries.size)
        }
    },

    "a personal id that disagrees with the birth year is refused" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val error = assertThrows<HealthBookException.Validation> {
                book.addPerson(mother().copy(dateOfBirth = LocalDate.of(1991, 3, 14)))
            }
            assertEquals("person.personal_id", error.field)
            assertEquals(0, book.people().size)
        }
    },

    "an unknown record id is NotFound with a message" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val error = assertThrows<HealthBookException.NotFound> { book.record("missing") }
            assertTrue(error.message.contains("missing"), "names the record: ${error.message}")
        }
    },

    "a child is a dependant linked to the guardian, with a separate timeline" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val child = book.addPerson(
                mother().copy(
                    role = PersonRole.DEPENDANT, fullName = "Trần Minh Khang", dateOfBirth = LocalDate.of(2026, 1, 15),
                    sex = Sex.MALE, personalId = "001226000321", insurance = null, bloodGroup = null,
                    guardian = GuardianLink(owner.id, owner.fullName, GuardianRelation.MOTHER, owner.personalId, "0912345678", null, null),
                ),
            )
            book.addRecords(oneOfEach(owner.id))
            assertEquals(listOf(PersonRole.OWNER, PersonRole.DEPENDANT), book.people().map { it.role })
            assertEquals(0, book.timeline(child.id, firstPage()).entries.size)
        }
    },

    "the sample family loads and the parent's timeline has a first page" to {
        HealthBook.open(newBookPath(), KEY).use { book ->
            val family = sampleFamily(42uL, LocalDate.of(2026, 11, 22))
            family.people.forEach { book.addPerson(it) }
            book.addRecords(family.records)
            val owner = book.people().first { it.role == PersonRole.OWNER }
            val page = book.timeline(owner.id, firstPage())
            assertEquals(50, page.entries.size)
            assertNotNull(page.nextCursor, "more than one page")
        }
    },

    "FHIR export is a document Bundle and imports back into another book" to {
        val json = HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            book.addRecords(oneOfEach(owner.id))
            book.exportFhir(owner.id)
        }
        assertTrue(json.contains("\"resourceType\": \"Bundle\"") && json.contains("\"document\""), "a document Bundle")
        HealthBook.open(newBookPath(), KEY).use { book ->
            val owner = book.addPerson(mother())
            val report = book.importFhir(json)
            assertEquals(owner.id, report.personId)
            assertEquals(8, report.imported.size)
            assertThrows<HealthBookException.Validation> { book.importFhir("{ not json") }
        }
    },
)
