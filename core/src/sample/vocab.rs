//! The vocabularies sample records are drawn from: facilities and their doctors, diagnoses with
//! ICD-10 codes, drugs with their usual dosage, vaccines, names and the citizen's own notes.
//! Facility codes other than Bạch Mai's (01001), licence and registration numbers and people are
//! invented but well formed; drug, vaccine and disease names and their ICD-10 and CVX codes are real.

use crate::model::TreatmentResult;

/// A doctor as a prescription or slip names them, with a practising licence number.
pub(crate) struct Doctor {
    pub name: &'static str,
    pub licence: &'static str,
}

/// A health facility with the departments and doctors the samples use.
pub(crate) struct Place {
    pub code: &'static str,
    pub name: &'static str,
    pub doctors: &'static [Doctor],
}

const fn doctor(name: &'static str, licence: &'static str) -> Doctor {
    Doctor { name, licence }
}

pub(crate) static BACH_MAI: Place = Place {
    code: "01001",
    name: "Bệnh viện Bạch Mai",
    doctors: &[
        doctor("Nguyễn Văn Hùng", "001523/BYT-CCHN"),
        doctor("Lê Thị Minh Trang", "002871/BYT-CCHN"),
        doctor("Phạm Quang Huy", "004112/BYT-CCHN"),
    ],
};

pub(crate) static XANH_PON: Place = Place {
    code: "01005",
    name: "Bệnh viện Đa khoa Xanh Pôn",
    doctors: &[
        doctor("Đỗ Thị Thu Hương", "012457/HNO-CCHN"),
        doctor("Trịnh Văn Nam", "013902/HNO-CCHN"),
    ],
};

pub(crate) static NHI_TRUNG_UONG: Place = Place {
    code: "01009",
    name: "Bệnh viện Nhi Trung ương",
    doctors: &[
        doctor("Nguyễn Thị Ngọc Lan", "003345/BYT-CCHN"),
        doctor("Hoàng Minh Đức", "005678/BYT-CCHN"),
        doctor("Vũ Thị Bích Ngọc", "006021/BYT-CCHN"),
    ],
};

pub(crate) static MAT_TRUNG_UONG: Place = Place {
    code: "01010",
    name: "Bệnh viện Mắt Trung ương",
    doctors: &[doctor("Lý Thị Thanh Bình", "002466/BYT-CCHN")],
};

pub(crate) static RANG_HAM_MAT: Place = Place {
    code: "01011",
    name: "Bệnh viện Răng Hàm Mặt Trung ương Hà Nội",
    doctors: &[doctor("Phan Thị Thanh Tâm", "003102/BYT-CCHN")],
};

pub(crate) static NHIET_DOI: Place = Place {
    code: "01012",
    name: "Bệnh viện Bệnh Nhiệt đới Trung ương",
    doctors: &[
        doctor("Trần Quốc Bảo", "002234/BYT-CCHN"),
        doctor("Mai Thị Hồng", "004870/BYT-CCHN"),
    ],
};

pub(crate) static BENH_VIEN_E: Place = Place {
    code: "01013",
    name: "Bệnh viện E",
    doctors: &[
        doctor("Ngô Thị Hải Yến", "003987/BYT-CCHN"),
        doctor("Bùi Đức Thắng", "004455/BYT-CCHN"),
    ],
};

pub(crate) static NOI_TIET: Place = Place {
    code: "01016",
    name: "Bệnh viện Nội tiết Trung ương",
    doctors: &[doctor("Đặng Thị Mai", "002719/BYT-CCHN")],
};

pub(crate) static PHU_SAN_HA_NOI: Place = Place {
    code: "01021",
    name: "Bệnh viện Phụ sản Hà Nội",
    doctors: &[
        doctor("Nguyễn Thị Hồng Nhung", "015234/HNO-CCHN"),
        doctor("Lê Văn Thành", "016118/HNO-CCHN"),
    ],
};

/// The district hospital: first stop for most adult visits and the sender of referrals.
pub(crate) static DONG_DA: Place = Place {
    code: "01034",
    name: "Bệnh viện Đa khoa Đống Đa",
    doctors: &[
        doctor("Hoàng Thị Lan Anh", "018734/HNO-CCHN"),
        doctor("Nguyễn Đức Long", "019205/HNO-CCHN"),
        doctor("Phạm Thị Thuý", "020117/HNO-CCHN"),
    ],
};

/// The commune health station: vaccinations of the expanded programme and small complaints.
pub(crate) static TRAM_Y_TE: Place = Place {
    code: "01187",
    name: "Trạm y tế phường Láng",
    doctors: &[
        doctor("Trần Thị Hoa", "021456/HNO-CCHN"),
        doctor("Đinh Văn Quang", "022039/HNO-CCHN"),
    ],
};

pub(crate) static PHONG_KHAM: Place = Place {
    code: "01733",
    name: "Phòng khám Đa khoa Thành Công",
    doctors: &[doctor("Vương Thị Kim Liên", "024518/HNO-CCHN")],
};

/// A paid vaccination centre (combination vaccines, rotavirus, pneumococcal, influenza).
pub(crate) static TRUNG_TAM_TIEM_CHUNG: Place = Place {
    code: "01915",
    name: "Trung tâm Tiêm chủng Dịch vụ Láng Hạ",
    doctors: &[doctor("Lương Thị Kim Oanh", "023876/HNO-CCHN")],
};

pub(crate) static CHO_RAY: Place = Place {
    code: "79001",
    name: "Bệnh viện Chợ Rẫy",
    doctors: &[
        doctor("Huỳnh Văn Phúc", "001876/BYT-CCHN"),
        doctor("Trương Thị Ngọc Hân", "003654/BYT-CCHN"),
    ],
};

/// Where ordinary outpatient visits happen, most often the nearest.
pub(crate) static ADULT_CLINICS: [(&Place, u32); 6] = [
    (&DONG_DA, 8),
    (&TRAM_Y_TE, 4),
    (&XANH_PON, 4),
    (&BACH_MAI, 3),
    (&BENH_VIEN_E, 3),
    (&PHONG_KHAM, 3),
];

pub(crate) static CHILD_CLINICS: [(&Place, u32); 4] = [
    (&TRAM_Y_TE, 4),
    (&DONG_DA, 4),
    (&NHI_TRUNG_UONG, 4),
    (&XANH_PON, 2),
];

/// A drug with the dosage a doctor usually writes for it.
pub(crate) struct Drug {
    /// Registration number (số đăng ký): VD- domestic, VN- imported.
    pub code: &'static str,
    pub brand: &'static str,
    pub active: &'static str,
    pub strength: &'static str,
    /// The dispensing unit; the dose per time is counted in it too.
    pub unit: &'static str,
    pub dose: f64,
    pub times: u32,
    pub route: &'static str,
    pub timing: &'static str,
    pub days: (u32, u32),
    /// A whole bottle or tube is dispensed whatever the days: its size in `unit`.
    pub pack: Option<f64>,
    pub penicillin: bool,
    /// Taken for months (hypertension, diabetes): its days follow the re-exam interval.
    pub long_term: bool,
    /// Ages in months the form and dose suit.
    pub ages: (u32, u32),
    /// Drugs of one class replace each other: a prescription has one antibiotic, one antipyretic.
    pub class: &'static str,
}

const ADULT: (u32, u32) = (144, 1500);

const fn drug(
    code: &'static str,
    brand: &'static str,
    active: &'static str,
    strength: &'static str,
    unit: &'static str,
) -> Drug {
    Drug {
        code,
        brand,
        active,
        strength,
        unit,
        dose: 1.0,
        times: 1,
        route: "uống",
        timing: "sau ăn",
        days: (5, 7),
        pack: None,
        penicillin: false,
        long_term: false,
        ages: ADULT,
        class: "",
    }
}

impl Drug {
    const fn take(mut self, dose: f64, times: u32, timing: &'static str) -> Self {
        self.dose = dose;
        self.times = times;
        self.timing = timing;
        self
    }
    const fn route(mut self, route: &'static str) -> Self {
        self.route = route;
        self
    }
    const fn days(mut self, low: u32, high: u32) -> Self {
        self.days = (low, high);
        self
    }
    const fn pack(mut self, size: f64) -> Self {
        self.pack = Some(size);
        self
    }
    const fn penicillin(mut self) -> Self {
        self.penicillin = true;
        self
    }
    const fn long_term(mut self) -> Self {
        self.long_term = true;
        self.days = (30, 30);
        self
    }
    const fn ages(mut self, low: u32, high: u32) -> Self {
        self.ages = (low, high);
        self
    }
    const fn class(mut self, class: &'static str) -> Self {
        self.class = class;
        self
    }
    const fn antibiotic(self) -> Self {
        self.class("kháng sinh")
    }
    const fn antipyretic(self) -> Self {
        self.class("hạ sốt")
    }
    pub(crate) fn suits(&self, age_months: u32) -> bool {
        self.ages.0 <= age_months && age_months <= self.ages.1
    }
}

// Adults.
pub(crate) const PARACETAMOL: Drug =
    drug("VD-21637-14", "Hapacol 500", "Paracetamol", "500mg", "viên")
        .take(1.0, 3, "sau ăn, cách nhau ít nhất 4 giờ")
        .days(3, 5)
        .antipyretic();
const PANADOL: Drug = drug(
    "VN-19874-16",
    "Panadol Extra",
    "Paracetamol + Cafein",
    "500mg/65mg",
    "viên",
)
.take(1.0, 2, "sau ăn")
.days(3, 5)
.antipyretic();
pub(crate) const AMOXICILLIN: Drug = drug(
    "VD-25437-16",
    "Amoxicillin 500mg",
    "Amoxicilin",
    "500mg",
    "viên",
)
.take(1.0, 3, "sau ăn")
.penicillin()
.antibiotic();
const AUGMENTIN: Drug = drug(
    "VN-20384-17",
    "Augmentin 625mg",
    "Amoxicilin + Acid clavulanic",
    "500mg/125mg",
    "viên",
)
.take(1.0, 2, "ngay trước bữa ăn")
.days(7, 7)
.penicillin()
.antibiotic();
pub(crate) const CEFUROXIME: Drug =
    drug("VN-18842-15", "Zinnat 500mg", "Cefuroxim", "500mg", "viên")
        .take(1.0, 2, "sau ăn")
        .antibiotic();
const AZITHROMYCIN: Drug = drug(
    "VN-21012-18",
    "Zitromax 500mg",
    "Azithromycin",
    "500mg",
    "viên",
)
.take(1.0, 1, "trước ăn 1 giờ")
.days(3, 3)
.antibiotic();
const CIPROFLOXACIN: Drug = drug(
    "VN-17902-14",
    "Ciprobay 500mg",
    "Ciprofloxacin",
    "500mg",
    "viên",
)
.take(1.0, 2, "sau ăn")
.antibiotic();
const OMEPRAZOLE: Drug = drug("VD-26711-17", "Omeprazol 20mg", "Omeprazol", "20mg", "viên")
    .take(1.0, 2, "trước ăn sáng và tối 30 phút")
    .days(14, 28);
const GAVISCON: Drug = drug(
    "VN-20016-16",
    "Gaviscon Dual Action",
    "Natri alginat + Natri bicarbonat + Calci carbonat",
    "10ml",
    "gói",
)
.take(1.0, 3, "sau ăn và trước khi ngủ")
.days(7, 14);
const DOMPERIDONE: Drug = drug("VN-17751-14", "Motilium-M", "Domperidon", "10mg", "viên").take(
    1.0,
    3,
    "trước ăn 15-30 phút",
);
pub(crate) const AMLODIPINE: Drug = drug("VN-19245-15", "Amlor 5mg", "Amlodipin", "5mg", "viên")
    .take(1.0, 1, "buổi sáng")
    .long_term();
pub(crate) const LOSARTAN: Drug = drug(
    "VN-20673-17",
    "Cozaar 50mg",
    "Losartan kali",
    "50mg",
    "viên",
)
.take(1.0, 1, "buổi sáng")
.long_term();
pub(crate) const METFORMIN: Drug = drug(
    "VN-21421-18",
    "Glucophage 850mg",
    "Metformin hydroclorid",
    "850mg",
    "viên",
)
.take(1.0, 2, "trong hoặc ngay sau bữa ăn sáng và tối")
.long_term();
pub(crate) const ATORVASTATIN: Drug = drug(
    "VN-20112-16",
    "Lipitor 20mg",
    "Atorvastatin",
    "20mg",
    "viên",
)
.take(1.0, 1, "buổi tối")
.long_term();
pub(crate) const METHYLDOPA: Drug = drug(
    "VN-19330-15",
    "Dopegyt 250mg",
    "Methyldopa",
    "250mg",
    "viên",
)
.take(1.0, 2, "sáng và tối")
.days(28, 30);
pub(crate) const LORATADINE: Drug =
    drug("VN-18570-14", "Clarityne 10mg", "Loratadin", "10mg", "viên")
        .take(1.0, 1, "buổi tối")
        .days(7, 14)
        .class("kháng histamin");
const FLUTICASONE: Drug = drug(
    "VN-19923-16",
    "Flixonase 0,05%",
    "Fluticason propionat",
    "50mcg/liều xịt",
    "liều xịt",
)
.take(2.0, 1, "buổi sáng, mỗi bên mũi")
.route("xịt mũi")
.days(14, 30)
.pack(120.0);
pub(crate) const ORESOL: Drug = drug(
    "VD-22589-15",
    "Oresol 245",
    "Natri clorid + Kali clorid + Natri citrat + Glucose khan",
    "4,1g",
    "gói",
)
.take(
    1.0,
    3,
    "pha 1 gói với 200ml nước đun sôi để nguội, uống từng ngụm sau mỗi lần đi ngoài",
)
.days(3, 3)
.ages(0, 1500);
const SMECTA: Drug = drug("VN-19513-15", "Smecta", "Diosmectit", "3g", "gói")
    .take(1.0, 3, "pha với nửa cốc nước, uống xa bữa ăn")
    .days(3, 5);
const BERBERIN: Drug = drug(
    "VD-24108-16",
    "Berberin 100mg",
    "Berberin clorid",
    "100mg",
    "viên",
)
.take(4.0, 2, "trước ăn")
.days(3, 5);
pub(crate) const VITAMIN_C: Drug = drug(
    "VD-23398-15",
    "Vitamin C 500mg",
    "Acid ascorbic",
    "500mg",
    "viên",
)
.take(1.0, 2, "sau ăn sáng và trưa")
.days(7, 10);
const SALBUTAMOL: Drug = drug(
    "VD-19982-13",
    "Salbutamol 2mg",
    "Salbutamol sulfat",
    "2mg",
    "viên",
)
.take(1.0, 3, "sau ăn");
pub(crate) const ACETYLCYSTEINE: Drug = drug(
    "VD-25812-16",
    "Acemuc 200mg",
    "Acetylcystein",
    "200mg",
    "gói",
)
.take(1.0, 3, "pha với nước, uống sau ăn");
const ALPHACHYMOTRYPSIN: Drug = drug(
    "VD-23167-15",
    "Alphachoay",
    "Alpha chymotrypsin",
    "4,2mg",
    "viên",
)
.take(2.0, 3, "giữa các bữa ăn")
.route("ngậm dưới lưỡi");
const MELOXICAM: Drug = drug("VN-17325-13", "Mobic 7,5mg", "Meloxicam", "7,5mg", "viên")
    .take(1.0, 1, "ngay sau bữa ăn")
    .days(7, 10);
const EPERISONE: Drug = drug(
    "VN-20219-17",
    "Myonal 50mg",
    "Eperison hydroclorid",
    "50mg",
    "viên",
)
.take(1.0, 3, "sau ăn")
.days(7, 14);
pub(crate) const SERTRALINE: Drug = drug("VN-20781-17", "Zoloft 50mg", "Sertralin", "50mg", "viên")
    .take(1.0, 1, "buổi sáng sau ăn")
    .days(28, 30);
pub(crate) const FERROVIT: Drug = drug(
    "VN-16874-13",
    "Ferrovit",
    "Sắt fumarat + Acid folic + Vitamin B12",
    "162mg/0,75mg/7,5mcg",
    "viên",
)
.take(1.0, 1, "sau ăn sáng")
.days(28, 30);
pub(crate) const CALCIUM: Drug = drug(
    "VN-18066-14",
    "Calcium Corbière 10ml",
    "Calci glucoheptonat + Vitamin C + Vitamin PP",
    "10ml",
    "ống",
)
.take(1.0, 2, "sau ăn sáng và trưa")
.days(28, 30);
const FLUCONAZOLE: Drug = drug(
    "VN-18350-14",
    "Diflucan 150mg",
    "Fluconazol",
    "150mg",
    "viên",
)
.take(1.0, 1, "sau ăn")
.days(1, 1);
const NEO_TERGYNAN: Drug = drug(
    "VN-19667-16",
    "Neo-Tergynan",
    "Metronidazol + Neomycin + Nystatin",
    "500mg/65.000IU/100.000IU",
    "viên",
)
.take(1.0, 1, "buổi tối trước khi ngủ")
.route("đặt âm đạo")
.days(10, 10);
const TOBREX: Drug = drug(
    "VN-18125-14",
    "Tobrex 0,3%",
    "Tobramycin",
    "0,3% 5ml",
    "giọt",
)
.take(1.0, 4, "mỗi bên mắt")
.route("nhỏ mắt")
.days(5, 7)
.pack(100.0)
.ages(0, 1500);
const TLD: Drug = drug(
    "VN3-245-19",
    "TLD",
    "Tenofovir + Lamivudin + Dolutegravir",
    "300mg/300mg/50mg",
    "viên",
)
.take(1.0, 1, "cùng giờ mỗi ngày")
.long_term();

// Children: forms and doses by age (a dose here is one sachet, suppository, ml or drop).
const EFFERALGAN_80: Drug = drug(
    "VN-19002-15",
    "Efferalgan 80mg",
    "Paracetamol",
    "80mg",
    "viên đạn",
)
.take(1.0, 4, "khi sốt trên 38,5°C, cách nhau ít nhất 6 giờ")
.route("đặt hậu môn")
.days(3, 3)
.ages(1, 11)
.antipyretic();
const HAPACOL_150: Drug = drug("VD-20570-14", "Hapacol 150", "Paracetamol", "150mg", "gói")
    .take(1.0, 4, "khi sốt trên 38,5°C, cách nhau ít nhất 4-6 giờ")
    .days(3, 3)
    .ages(12, 35)
    .antipyretic();
const HAPACOL_250: Drug = drug("VD-21138-14", "Hapacol 250", "Paracetamol", "250mg", "gói")
    .take(1.0, 4, "khi sốt trên 38,5°C, cách nhau ít nhất 4-6 giờ")
    .days(3, 3)
    .ages(36, 143)
    .antipyretic();
const CLAMOXYL_250: Drug = drug(
    "VN-17420-13",
    "Clamoxyl 250mg",
    "Amoxicilin",
    "250mg",
    "gói",
)
.take(1.0, 3, "pha với nước, uống sau ăn")
.penicillin()
.ages(6, 143)
.antibiotic();
const ZINNAT_125: Drug = drug("VN-18843-15", "Zinnat 125mg", "Cefuroxim", "125mg", "gói")
    .take(1.0, 2, "sau ăn")
    .ages(3, 143)
    .antibiotic();
const AUGMENTIN_250: Drug = drug(
    "VN-20385-17",
    "Augmentin 250mg/31,25mg",
    "Amoxicilin + Acid clavulanic",
    "250mg/31,25mg",
    "gói",
)
.take(1.0, 2, "đầu bữa ăn")
.days(7, 7)
.penicillin()
.ages(12, 143)
.antibiotic();
const PROSPAN: Drug = drug(
    "VN-17836-14",
    "Prospan siro ho",
    "Cao khô lá thường xuân",
    "0,7g/100ml",
    "ml",
)
.take(2.5, 3, "sau ăn")
.pack(100.0)
.ages(0, 143);
const NATRI_CLORID: Drug = drug(
    "VD-18944-13",
    "Efticol 0,9%",
    "Natri clorid",
    "0,9% 10ml",
    "giọt",
)
.take(2.0, 3, "mỗi bên mũi")
.route("nhỏ mũi")
.pack(200.0)
.ages(0, 1500);
const AERIUS: Drug = drug(
    "VN-20012-16",
    "Aerius 0,5mg/ml",
    "Desloratadin",
    "0,5mg/ml",
    "ml",
)
.take(2.5, 1, "buổi tối")
.days(7, 10)
.pack(60.0)
.ages(6, 143)
.class("kháng histamin");
const ZINOKID: Drug = drug(
    "VD-25903-16",
    "Siro Zinokid",
    "Kẽm gluconat",
    "10mg/5ml",
    "ml",
)
.take(5.0, 1, "sau ăn")
.days(10, 14)
.pack(100.0)
.ages(6, 143);
const ENTEROGERMINA: Drug = drug(
    "VN-18897-15",
    "Enterogermina",
    "Bacillus clausii",
    "2 tỷ bào tử/5ml",
    "ống",
)
.take(1.0, 2, "uống xa bữa ăn")
.ages(0, 143);
const SMECTA_CHILD: Drug = drug("VN-19513-15", "Smecta", "Diosmectit", "3g", "gói")
    .take(1.0, 2, "pha với 50ml nước, uống xa bữa ăn")
    .days(3, 3)
    .ages(12, 143);
const HYDROCORTISONE: Drug = drug(
    "VD-20763-14",
    "Hydrocortison 1%",
    "Hydrocortison acetat",
    "1% 15g",
    "g",
)
.take(0.5, 2, "bôi lớp mỏng lên vùng da tổn thương")
.route("bôi ngoài da")
.pack(15.0)
.ages(6, 1500);
pub(crate) const VITAMIN_D3: Drug = drug(
    "VN-18511-14",
    "Aquadetrim Vitamin D3",
    "Cholecalciferol",
    "15.000 IU/ml",
    "giọt",
)
.take(1.0, 1, "buổi sáng")
.days(30, 30)
.pack(300.0)
.ages(0, 24);

/// A diagnosis with what usually goes with it: reason, department, tests, drugs, length of stay.
pub(crate) struct Illness {
    pub icd10: &'static str,
    pub text: &'static str,
    pub reason: &'static str,
    pub department: &'static str,
    pub procedures: &'static [&'static str],
    /// The first drug that suits the patient's age is always given; the others often.
    pub drugs: &'static [&'static Drug],
    /// Days in hospital; (0, 0) for an outpatient visit.
    pub stay: (u32, u32),
    pub result: TreatmentResult,
    pub instructions: &'static str,
    /// Days until the doctor wants to see the patient again; 0 when no re-exam is booked.
    pub re_exam_days: u32,
    pub ages: (u32, u32),
    /// The first year the diagnosis can appear (COVID-19 from 2020).
    pub from_year: i32,
    pub weight: u32,
    pub sensitive: bool,
    /// The specialist facility this is seen at, when not the family's usual clinics.
    pub specialist: Option<&'static Place>,
}

const fn illness(
    icd10: &'static str,
    text: &'static str,
    reason: &'static str,
    department: &'static str,
) -> Illness {
    Illness {
        icd10,
        text,
        reason,
        department,
        procedures: &[],
        drugs: &[],
        stay: (0, 0),
        result: TreatmentResult::Cured,
        instructions: "Uống thuốc theo đơn, tái khám khi có dấu hiệu bất thường",
        re_exam_days: 0,
        ages: (0, 1500),
        from_year: 0,
        weight: 0,
        sensitive: false,
        specialist: None,
    }
}

impl Illness {
    const fn tests(mut self, procedures: &'static [&'static str]) -> Self {
        self.procedures = procedures;
        self
    }
    const fn drugs(mut self, drugs: &'static [&'static Drug]) -> Self {
        self.drugs = drugs;
        self
    }
    const fn stay(mut self, low: u32, high: u32) -> Self {
        self.stay = (low, high);
        self
    }
    const fn result(mut self, result: TreatmentResult) -> Self {
        self.result = result;
        self
    }
    const fn advise(mut self, instructions: &'static str) -> Self {
        self.instructions = instructions;
        self
    }
    const fn re_exam(mut self, days: u32) -> Self {
        self.re_exam_days = days;
        self
    }
    const fn ages(mut self, low: u32, high: u32) -> Self {
        self.ages = (low, high);
        self
    }
    const fn since_year(mut self, year: i32) -> Self {
        self.from_year = year;
        self
    }
    const fn weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }
    const fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    const fn at(mut self, place: &'static Place) -> Self {
        self.specialist = Some(place);
        self
    }
    pub(crate) fn suits(&self, age_months: u32, year: i32) -> bool {
        self.ages.0 <= age_months && age_months <= self.ages.1 && year >= self.from_year
    }
    pub(crate) fn inpatient(&self) -> bool {
        self.stay.1 > 0
    }
}

const BLOOD_COUNT: &str = "Tổng phân tích tế bào máu ngoại vi";
const CHEST_XRAY: &str = "Chụp X-quang ngực thẳng";
const ECG: &str = "Điện tim thường";

// Chronic diagnoses and the events of the owner's life, used by the family's fixed storyline.
pub(crate) static HYPERTENSION: Illness = illness(
    "I10",
    "Tăng huyết áp vô căn (nguyên phát)",
    "Khám định kỳ tăng huyết áp",
    "Khoa Khám bệnh",
)
.tests(&["Đo huyết áp", ECG, "Định lượng creatinin máu"])
.drugs(&[&AMLODIPINE])
.result(TreatmentResult::Unchanged)
.advise(
    "Ăn nhạt, hạn chế mỡ động vật, tập thể dục 30 phút mỗi ngày, đo huyết áp tại nhà và ghi lại",
);
pub(crate) static LIPIDS: Illness = illness(
    "E78.5",
    "Rối loạn lipid máu",
    "Khám định kỳ",
    "Khoa Khám bệnh",
)
.tests(&[
    "Định lượng cholesterol toàn phần",
    "Định lượng triglycerid",
    "Định lượng LDL-C",
])
.drugs(&[&ATORVASTATIN])
.result(TreatmentResult::Unchanged);
pub(crate) static DIABETES: Illness = illness(
    "E11.9",
    "Đái tháo đường type 2 không biến chứng",
    "Đường huyết cao khi xét nghiệm sau sinh",
    "Khoa Nội tiết - Đái tháo đường",
)
.tests(&[
    "Định lượng glucose máu",
    "Định lượng HbA1c",
    "Tổng phân tích nước tiểu",
])
.drugs(&[&METFORMIN])
.result(TreatmentResult::Unchanged)
.advise(
    "Chế độ ăn giảm tinh bột và đường, chia nhỏ bữa, đi bộ sau ăn, tự theo dõi đường huyết lúc đói",
);
pub(crate) static PREGNANCY_HYPERTENSION: Illness = illness(
    "O10.0",
    "Tăng huyết áp có từ trước biến chứng thai nghén",
    "Khám thai định kỳ, tăng huyết áp",
    "Khoa Khám bệnh Sản",
)
.tests(&["Siêu âm thai", "Đo huyết áp", "Tổng phân tích nước tiểu"])
.drugs(&[&METHYLDOPA, &FERROVIT, &CALCIUM])
.result(TreatmentResult::Unchanged)
.advise("Đo huyết áp hằng ngày, đếm cử động thai, đến viện ngay khi đau đầu, nhìn mờ, phù tăng");
pub(crate) static GESTATIONAL_DIABETES: Illness = illness(
    "O24.4",
    "Đái tháo đường thai kỳ",
    "Nghiệm pháp dung nạp glucose bất thường",
    "Khoa Khám bệnh Sản",
)
.result(TreatmentResult::Unchanged);
pub(crate) static ANTENATAL_FIRST: Illness = illness(
    "Z34.0",
    "Giám sát thai nghén bình thường lần đầu",
    "Khám thai định kỳ",
    "Khoa Khám bệnh Sản",
)
.tests(&[
    "Siêu âm thai",
    "Đo huyết áp",
    "Xét nghiệm nhóm máu, công thức máu",
])
.drugs(&[&FERROVIT, &CALCIUM])
.advise("Ăn đủ chất, bổ sung sắt và canxi, khám thai đúng hẹn, đến viện khi ra máu hoặc đau bụng");
pub(crate) static DELIVERY: Illness = illness(
    "O80",
    "Đẻ thường một thai",
    "Chuyển dạ đủ tháng",
    "Khoa Sản",
)
.tests(&["Đỡ đẻ thường ngôi chỏm"])
.stay(2, 3);
pub(crate) static CAESAREAN: Illness = illness(
    "O82",
    "Đẻ một thai bằng mổ lấy thai",
    "Thai đủ tháng, tăng huyết áp",
    "Khoa Sản",
)
.tests(&["Phẫu thuật lấy thai lần đầu"])
.drugs(&[&PARACETAMOL, &FERROVIT])
.stay(4, 5);
pub(crate) static NEWBORN: Illness = illness(
    "Z38.0",
    "Trẻ sơ sinh đủ tháng, sinh tại bệnh viện, khỏe mạnh",
    "Theo dõi sơ sinh",
    "Khoa Sơ sinh",
)
.tests(&[
    "Tiêm vitamin K1 phòng xuất huyết",
    "Sàng lọc sơ sinh lấy máu gót chân",
    "Sàng lọc thính lực sơ sinh",
])
.stay(2, 3)
.advise("Cho bú mẹ hoàn toàn 6 tháng đầu, tiêm chủng đúng lịch, khám lại khi vàng da tăng");
pub(crate) static CHECK_UP: Illness = illness(
    "Z00.0",
    "Khám sức khỏe tổng quát",
    "Khám sức khỏe định kỳ",
    "Khoa Khám bệnh",
)
.tests(&[
    BLOOD_COUNT,
    "Định lượng glucose máu",
    "Định lượng cholesterol toàn phần",
    "Siêu âm ổ bụng tổng quát",
    CHEST_XRAY,
    ECG,
])
.advise("Sức khỏe loại I, khám định kỳ hằng năm");
pub(crate) static CHILD_CHECK_UP: Illness = illness(
    "Z00.1",
    "Khám sức khỏe trẻ em định kỳ",
    "Khám định kỳ, theo dõi tăng trưởng",
    "Khoa Khám bệnh Nhi",
)
.tests(&["Đo cân nặng, chiều dài", "Đánh giá phát triển vận động"])
.drugs(&[&VITAMIN_D3])
.advise("Trẻ phát triển bình thường; ăn đủ nhóm chất, tiêm chủng đúng lịch");
pub(crate) static PNEUMONIA: Illness = illness(
    "J18.9",
    "Viêm phổi, không xác định",
    "Sốt cao, ho, đau ngực, khó thở",
    "Trung tâm Hô hấp",
)
.tests(&[
    CHEST_XRAY,
    BLOOD_COUNT,
    "Định lượng CRP",
    "Cấy đờm tìm vi khuẩn",
])
.drugs(&[&CEFUROXIME, &ACETYLCYSTEINE, &PARACETAMOL])
.stay(5, 7)
.advise("Uống hết kháng sinh theo đơn, nghỉ ngơi, tái khám sau 1 tuần")
.re_exam(7);
pub(crate) static DENGUE: Illness =
    illness("A97.0", "Sốt xuất huyết Dengue không có dấu hiệu cảnh báo", "Sốt cao liên tục 3 ngày, đau mỏi người", "Khoa Khám bệnh")
        .tests(&["Test nhanh Dengue NS1", BLOOD_COUNT])
        .drugs(&[&PARACETAMOL, &ORESOL, &VITAMIN_C])
        .advise("Uống nhiều nước, hạ sốt bằng paracetamol, không dùng aspirin/ibuprofen, xét nghiệm máu hằng ngày");
pub(crate) static DENGUE_WARNING: Illness = illness(
    "A97.1",
    "Sốt xuất huyết Dengue có dấu hiệu cảnh báo",
    "Sốt ngày thứ 5, đau bụng, chảy máu chân răng",
    "Khoa Truyền nhiễm",
)
.tests(&[
    BLOOD_COUNT,
    "Định lượng hematocrit",
    "Siêu âm ổ bụng tổng quát",
])
.drugs(&[&PARACETAMOL, &ORESOL])
.stay(4, 6)
.advise("Theo dõi tiểu cầu sau ra viện, nghỉ ngơi, tái khám sau 5 ngày")
.re_exam(5);
pub(crate) static ANXIETY: Illness = illness(
    "F41.1",
    "Rối loạn lo âu lan tỏa",
    "Mất ngủ, hồi hộp, lo lắng kéo dài",
    "Viện Sức khỏe Tâm thần",
)
.tests(&["Trắc nghiệm tâm lý GAD-7", ECG])
.drugs(&[&SERTRALINE])
.result(TreatmentResult::Improved)
.advise("Tư vấn tâm lý, ngủ đúng giờ, hạn chế cà phê, tái khám sau 4 tuần")
.sensitive();
pub(crate) static TRAVELLERS_DIARRHOEA: Illness = illness(
    "A09",
    "Tiêu chảy và viêm dạ dày ruột do nhiễm khuẩn",
    "Đau bụng, tiêu chảy 6 lần từ tối qua",
    "Khoa Cấp cứu",
)
.tests(&[BLOOD_COUNT, "Xét nghiệm phân"])
.drugs(&[&ORESOL, &SMECTA, &BERBERIN]);

/// Everyday adult complaints, weighted by how often a family doctor sees them.
pub(crate) static ADULT_ILLNESSES: [Illness; 19] = [
    illness(
        "J02.9",
        "Viêm họng cấp",
        "Đau họng, sốt nhẹ 2 ngày",
        "Khoa Tai Mũi Họng",
    )
    .tests(&["Nội soi tai mũi họng"])
    .drugs(&[
        &PARACETAMOL,
        &CEFUROXIME,
        &AMOXICILLIN,
        &ALPHACHYMOTRYPSIN,
        &VITAMIN_C,
    ])
    .weight(10),
    illness(
        "J06.9",
        "Nhiễm trùng đường hô hấp trên cấp",
        "Sổ mũi, ho, sốt nhẹ",
        "Khoa Khám bệnh",
    )
    .drugs(&[&PANADOL, &LORATADINE, &VITAMIN_C])
    .weight(8),
    illness(
        "J20.9",
        "Viêm phế quản cấp",
        "Ho có đờm, sốt 38°C, 4 ngày",
        "Khoa Khám bệnh",
    )
    .tests(&[CHEST_XRAY, BLOOD_COUNT])
    .drugs(&[
        &CEFUROXIME,
        &AUGMENTIN,
        &ACETYLCYSTEINE,
        &SALBUTAMOL,
        &PARACETAMOL,
    ])
    .re_exam(7)
    .weight(8),
    illness(
        "J18.9",
        "Viêm phổi, không xác định",
        "Sốt cao, ho, khó thở",
        "Khoa Nội tổng hợp",
    )
    .tests(&[CHEST_XRAY, BLOOD_COUNT, "Định lượng CRP"])
    .drugs(&[&CEFUROXIME, &AZITHROMYCIN, &ACETYLCYSTEINE, &PARACETAMOL])
    .stay(5, 7)
    .re_exam(7)
    .weight(2),
    illness(
        "K29.7",
        "Viêm dạ dày, không đặc hiệu",
        "Đau thượng vị, ợ chua",
        "Khoa Tiêu hóa",
    )
    .tests(&[
        "Nội soi dạ dày - tá tràng",
        "Test nhanh Helicobacter pylori",
    ])
    .drugs(&[&OMEPRAZOLE, &GAVISCON, &DOMPERIDONE])
    .re_exam(14)
    .weight(6),
    illness(
        "A09",
        "Tiêu chảy và viêm dạ dày ruột do nhiễm khuẩn",
        "Tiêu chảy nhiều lần, đau bụng",
        "Khoa Khám bệnh",
    )
    .drugs(&[&ORESOL, &SMECTA, &BERBERIN])
    .weight(5),
    illness(
        "A97.0",
        "Sốt xuất huyết Dengue không có dấu hiệu cảnh báo",
        "Sốt cao liên tục 3 ngày",
        "Khoa Truyền nhiễm",
    )
    .tests(&["Test nhanh Dengue NS1", BLOOD_COUNT])
    .drugs(&[&PARACETAMOL, &ORESOL, &VITAMIN_C])
    .re_exam(2)
    .weight(2),
    illness(
        "M54.5",
        "Đau lưng vùng thấp",
        "Đau thắt lưng sau khi mang vác",
        "Khoa Cơ xương khớp",
    )
    .tests(&["Chụp X-quang cột sống thắt lưng"])
    .drugs(&[&MELOXICAM, &EPERISONE, &PARACETAMOL])
    .result(TreatmentResult::Improved)
    .weight(4),
    illness(
        "J30.4",
        "Viêm mũi dị ứng, không đặc hiệu",
        "Hắt hơi, ngạt mũi buổi sáng",
        "Khoa Tai Mũi Họng",
    )
    .tests(&["Nội soi tai mũi họng"])
    .drugs(&[&LORATADINE, &FLUTICASONE])
    .result(TreatmentResult::Improved)
    .weight(5),
    illness(
        "N39.0",
        "Nhiễm khuẩn đường tiết niệu",
        "Tiểu buốt, tiểu rắt",
        "Khoa Khám bệnh",
    )
    .tests(&["Tổng phân tích nước tiểu"])
    .drugs(&[&CIPROFLOXACIN, &PARACETAMOL])
    .weight(3),
    illness("H10.9", "Viêm kết mạc", "Đỏ mắt, chảy nước mắt", "Khoa Mắt")
        .drugs(&[&TOBREX])
        .at(&MAT_TRUNG_UONG)
        .weight(3),
    illness(
        "N76.0",
        "Viêm âm đạo cấp",
        "Ngứa, khí hư bất thường",
        "Khoa Phụ khoa",
    )
    .tests(&["Soi tươi dịch âm đạo"])
    .drugs(&[&NEO_TERGYNAN, &FLUCONAZOLE])
    .at(&PHU_SAN_HA_NOI)
    .weight(2),
    illness(
        "K02.1",
        "Sâu ngà răng",
        "Ê buốt răng hàm",
        "Khoa Răng Hàm Mặt",
    )
    .tests(&["Hàn răng sâu ngà bằng composite"])
    .drugs(&[&PARACETAMOL])
    .at(&RANG_HAM_MAT)
    .weight(2),
    illness("H52.1", "Cận thị", "Nhìn xa mờ", "Khoa Mắt")
        .tests(&["Đo khúc xạ máy"])
        .at(&MAT_TRUNG_UONG)
        .weight(1),
    illness(
        "U07.1",
        "COVID-19, đã xác định virus",
        "Sốt, ho, mất vị giác, test nhanh dương tính",
        "Khoa Khám bệnh",
    )
    .tests(&["Test nhanh kháng nguyên SARS-CoV-2"])
    .drugs(&[&PARACETAMOL, &VITAMIN_C])
    .since_year(2020)
    .weight(2),
    illness(
        "R51",
        "Đau đầu",
        "Đau đầu từng cơn, mất ngủ",
        "Khoa Thần kinh",
    )
    .drugs(&[&PARACETAMOL])
    .result(TreatmentResult::Improved)
    .weight(2),
    illness(
        "L50.0",
        "Mày đay dị ứng",
        "Nổi mẩn ngứa toàn thân",
        "Khoa Da liễu",
    )
    .drugs(&[&LORATADINE])
    .weight(2),
    ANXIETY_BULK,
    illness(
        "Z21",
        "Nhiễm HIV không triệu chứng",
        "Khám định kỳ điều trị ARV",
        "Phòng khám ngoại trú HIV",
    )
    .tests(&["Đo tải lượng HIV"])
    .drugs(&[&TLD])
    .result(TreatmentResult::Unchanged)
    .advise("Uống thuốc đúng giờ hằng ngày, tái khám lĩnh thuốc hằng tháng")
    .re_exam(30)
    .ages(192, 1500)
    .sensitive()
    .at(&DONG_DA)
    .weight(1),
];

/// The anxiety diagnosis as a rarely drawn bulk entry (the family has its own, fixed one).
const ANXIETY_BULK: Illness = illness(
    "F41.1",
    "Rối loạn lo âu lan tỏa",
    "Mất ngủ, hồi hộp, lo lắng kéo dài",
    "Viện Sức khỏe Tâm thần",
)
.tests(&["Trắc nghiệm tâm lý GAD-7"])
.drugs(&[&SERTRALINE])
.result(TreatmentResult::Improved)
.ages(144, 1500)
.sensitive()
.at(&BACH_MAI)
.weight(1);

/// Children's complaints; the age window keeps bronchiolitis for infants and dengue for older children.
pub(crate) static CHILD_ILLNESSES: [Illness; 11] = [
    illness("J06.9", "Viêm đường hô hấp trên cấp", "Sốt, sổ mũi, ho", "Khoa Khám bệnh Nhi")
        .drugs(&[&EFFERALGAN_80, &HAPACOL_150, &HAPACOL_250, &NATRI_CLORID, &PROSPAN, &ZINOKID])
        .advise("Vệ sinh mũi bằng nước muối sinh lý, cho trẻ uống nhiều nước, khám lại khi sốt cao li bì")
        .weight(12),
    illness("J02.9", "Viêm họng cấp", "Sốt 38,5°C, quấy khóc, bỏ bú", "Khoa Khám bệnh Nhi")
        .drugs(&[&ZINNAT_125, &CLAMOXYL_250, &EFFERALGAN_80, &HAPACOL_150, &HAPACOL_250, &PROSPAN])
        .ages(3, 143)
        .re_exam(5)
        .weight(8),
    illness("J21.9", "Viêm tiểu phế quản cấp", "Ho, khò khè, thở nhanh", "Khoa Hô hấp")
        .tests(&[CHEST_XRAY, "Khí dung nước muối ưu trương"])
        .drugs(&[&NATRI_CLORID, &PROSPAN, &EFFERALGAN_80, &HAPACOL_150])
        .ages(1, 24)
        .re_exam(3)
        .weight(4),
    illness("A09", "Tiêu chảy và viêm dạ dày ruột do nhiễm khuẩn", "Đi ngoài phân lỏng 5 lần/ngày", "Khoa Tiêu hóa")
        .drugs(&[&ORESOL, &ENTEROGERMINA, &SMECTA_CHILD, &ZINOKID])
        .advise("Bù nước bằng Oresol, tiếp tục cho ăn, đến viện ngay khi trẻ li bì, khát nhiều, phân có máu")
        .weight(6),
    illness("B08.4", "Bệnh tay chân miệng", "Sốt, loét miệng, nổi ban ở lòng bàn tay, bàn chân", "Khoa Truyền nhiễm")
        .drugs(&[&HAPACOL_150, &HAPACOL_250, &ORESOL, &ZINOKID])
        .advise("Cách ly tại nhà 10 ngày, theo dõi giật mình, sốt cao liên tục, đưa trẻ đến viện ngay khi có dấu hiệu nặng")
        .ages(6, 72)
        .re_exam(2)
        .weight(2),
    illness("H66.9", "Viêm tai giữa", "Sốt, đau tai, quấy khóc về đêm", "Khoa Tai Mũi Họng")
        .tests(&["Nội soi tai mũi họng"])
        .drugs(&[&AUGMENTIN_250, &ZINNAT_125, &HAPACOL_150, &HAPACOL_250])
        .ages(6, 143)
        .re_exam(7)
        .weight(3),
    illness("L20.9", "Viêm da cơ địa", "Da khô, ngứa, nổi mẩn ở má và nếp gấp", "Khoa Da liễu")
        .drugs(&[&HYDROCORTISONE, &AERIUS])
        .result(TreatmentResult::Improved)
        .ages(2, 143)
        .weight(2),
    illness("B01.9", "Thủy đậu", "Sốt, nổi mụn nước toàn thân", "Khoa Truyền nhiễm")
        .drugs(&[&HAPACOL_150, &HAPACOL_250, &AERIUS])
        .ages(12, 143)
        .weight(1),
    illness("A97.0", "Sốt xuất huyết Dengue không có dấu hiệu cảnh báo", "Sốt cao 2 ngày, mệt", "Khoa Truyền nhiễm")
        .tests(&["Test nhanh Dengue NS1", BLOOD_COUNT])
        .drugs(&[&HAPACOL_250, &ORESOL])
        .ages(24, 143)
        .re_exam(1)
        .weight(1),
    illness("J30.4", "Viêm mũi dị ứng", "Hắt hơi, ngứa mũi khi thay đổi thời tiết", "Khoa Tai Mũi Họng")
        .drugs(&[&AERIUS, &NATRI_CLORID])
        .result(TreatmentResult::Improved)
        .ages(36, 143)
        .weight(2),
    illness("K59.0", "Táo bón", "Đi ngoài phân khô, 3-4 ngày một lần", "Khoa Tiêu hóa")
        .drugs(&[&ENTEROGERMINA])
        .advise("Tăng rau xanh, chuối, uống đủ nước")
        .ages(6, 143)
        .weight(1),
];

/// The pneumonia of a small child, treated in hospital after a referral.
pub(crate) static CHILD_PNEUMONIA: Illness = illness(
    "J18.9",
    "Viêm phổi, không xác định",
    "Sốt cao, ho, thở nhanh, rút lõm lồng ngực",
    "Khoa Hô hấp",
)
.tests(&[
    CHEST_XRAY,
    BLOOD_COUNT,
    "Định lượng CRP",
    "Khí máu động mạch",
])
.drugs(&[&ZINNAT_125, &PROSPAN, &HAPACOL_150])
.stay(5, 7)
.advise("Uống hết kháng sinh, theo dõi nhịp thở, khám lại sau 1 tuần")
.re_exam(7);

/// A vaccine product with its national short code, CVX where one exists and the antigens it covers.
pub(crate) struct Vaccine {
    pub code: &'static str,
    pub name: &'static str,
    pub cvx: Option<u32>,
    pub antigens: &'static [&'static str],
    /// How the manufacturer's lot numbers begin.
    pub lot_prefix: &'static str,
}

const fn vaccine(
    code: &'static str,
    name: &'static str,
    cvx: u32,
    antigens: &'static [&'static str],
    lot_prefix: &'static str,
) -> Vaccine {
    Vaccine {
        code,
        name,
        cvx: Some(cvx),
        antigens,
        lot_prefix,
    }
}

// The expanded programme.
pub(crate) static HEPB_BIRTH: Vaccine = vaccine(
    "VGB-SS",
    "Gene-HBvax (viêm gan B sơ sinh)",
    8,
    &["HepB"],
    "GH",
);
pub(crate) static BCG: Vaccine = vaccine("BCG", "BCG (phòng lao)", 19, &["BCG"], "BC");
pub(crate) static PENTAVALENT: Vaccine = vaccine(
    "DPT-VGB-Hib",
    "ComBE Five (DPT-VGB-Hib)",
    102,
    &["DTP", "HepB", "Hib"],
    "CF",
);
pub(crate) static OPV: Vaccine = vaccine("bOPV", "bOPV (bại liệt uống)", 178, &["OPV"], "PV");
pub(crate) static IPV: Vaccine = vaccine("IPV", "IMOVAX Polio (bại liệt tiêm)", 10, &["IPV"], "IM");
pub(crate) static MEASLES: Vaccine = vaccine("SOI", "MVVAC (sởi)", 5, &["Measles"], "MV");
pub(crate) static MR: Vaccine = vaccine(
    "MR",
    "MRVAC (sởi - rubella)",
    4,
    &["Measles", "Rubella"],
    "MR",
);
pub(crate) static DTP: Vaccine =
    vaccine("DPT", "DPT (bạch hầu - ho gà - uốn ván)", 1, &["DTP"], "DT");
pub(crate) static JE: Vaccine = vaccine("VNNB", "Jevax (viêm não Nhật Bản)", 39, &["JE"], "JV");
pub(crate) static TD: Vaccine =
    vaccine("Td", "Td (uốn ván - bạch hầu giảm liều)", 9, &["Td"], "TD");
pub(crate) static ROTAVIN: Vaccine = vaccine(
    "ROTA",
    "Rotavin-M1 (tiêu chảy do rota virus)",
    122,
    &["Rota"],
    "RV",
);
pub(crate) static TETANUS_PREGNANCY: Vaccine =
    vaccine("VAT", "VAT (uốn ván hấp phụ)", 35, &["Tetanus"], "VA");

// Paid service.
pub(crate) static HEXAXIM: Vaccine = vaccine(
    "HEXAXIM",
    "Hexaxim (6 trong 1)",
    146,
    &["DTP", "HepB", "Hib", "IPV"],
    "X3",
);
pub(crate) static INFANRIX_HEXA: Vaccine = vaccine(
    "INFANRIX-HEXA",
    "Infanrix Hexa (6 trong 1)",
    146,
    &["DTP", "HepB", "Hib", "IPV"],
    "A21",
);
pub(crate) static ROTARIX: Vaccine = vaccine(
    "ROTARIX",
    "Rotarix (tiêu chảy do rota virus)",
    119,
    &["Rota"],
    "AROLB",
);
pub(crate) static SYNFLORIX: Vaccine = vaccine(
    "SYNFLORIX",
    "Synflorix (phế cầu)",
    177,
    &["Pneumo"],
    "ASPNA",
);
pub(crate) static VAXIGRIP: Vaccine = vaccine(
    "VAXIGRIP-TETRA",
    "Vaxigrip Tetra (cúm)",
    150,
    &["Influenza"],
    "V3",
);
pub(crate) static VARIVAX: Vaccine =
    vaccine("VARIVAX", "Varivax (thủy đậu)", 21, &["Varicella"], "W0");
pub(crate) static ENGERIX_B: Vaccine = vaccine(
    "ENGERIX-B",
    "Engerix-B 20mcg (viêm gan B người lớn)",
    43,
    &["HepB"],
    "AHBV",
);
pub(crate) static GARDASIL: Vaccine = vaccine("GARDASIL", "Gardasil (HPV)", 62, &["HPV"], "T0");
pub(crate) static COMIRNATY: Vaccine = vaccine(
    "COMIRNATY",
    "Comirnaty (COVID-19)",
    208,
    &["COVID-19"],
    "FK",
);

/// Vaccines a bulk record may carry, for a child and for an adult.
pub(crate) static CHILD_VACCINES: [&Vaccine; 12] = [
    &HEPB_BIRTH,
    &BCG,
    &PENTAVALENT,
    &OPV,
    &IPV,
    &MEASLES,
    &MR,
    &JE,
    &HEXAXIM,
    &INFANRIX_HEXA,
    &ROTARIX,
    &VAXIGRIP,
];
pub(crate) static ADULT_VACCINES: [&Vaccine; 5] =
    [&VAXIGRIP, &ENGERIX_B, &GARDASIL, &TD, &COMIRNATY];

// Names: the mother's own, the surname the children take from their father, given names by sex.
pub(crate) static SURNAMES: [&str; 10] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
];
pub(crate) static WOMEN_GIVEN: [&str; 8] = [
    "Thị Thu Hà",
    "Thị Lan",
    "Thị Minh Thư",
    "Thị Hồng Nhung",
    "Thị Thanh Huyền",
    "Thị Mai Anh",
    "Phương Thảo",
    "Thị Ngọc Ánh",
];
pub(crate) static BOYS_GIVEN: [&str; 6] = [
    "Minh Khang",
    "Gia Huy",
    "Đức Anh",
    "Bảo Nam",
    "Quang Minh",
    "Hoàng Long",
];
pub(crate) static GIRLS_GIVEN: [&str; 6] = [
    "Ngọc Diệp",
    "Bảo Anh",
    "Khánh Linh",
    "Minh Châu",
    "An Nhiên",
    "Tuệ Lâm",
];
pub(crate) static OCCUPATIONS: [&str; 5] = [
    "Giáo viên",
    "Kế toán",
    "Nhân viên văn phòng",
    "Dược sĩ",
    "Kỹ sư phần mềm",
];
pub(crate) static STREETS: [&str; 4] = [
    "Số 12, ngõ 105 Láng Hạ",
    "Số 8, ngách 35/2 phố Chùa Láng",
    "Phòng 1203, tòa nhà N3, 88 Láng Hạ",
    "Số 27, ngõ 1194 đường Láng",
];

/// What a citizen writes in their own book.
pub(crate) static ADULT_NOTES: [&str; 10] = [
    "Sáng nay hơi chóng mặt khi đứng dậy, nghỉ một lúc thì đỡ",
    "Quên uống thuốc huyết áp buổi sáng, uống bù lúc 10 giờ",
    "Đi bộ 30 phút quanh hồ sau bữa tối",
    "Ngủ kém, thức dậy lúc 3 giờ sáng",
    "Giảm ăn mặn, chuyển sang nấu ăn ít muối",
    "Đau đầu nhẹ sau giờ làm, uống nước và nghỉ thì hết",
    "Mua thêm máy đo huyết áp điện tử Omron cho cả nhà",
    "Cân nặng tăng sau Tết, cần ăn ít tinh bột hơn",
    "Tập yoga 2 buổi một tuần",
    "Hết thuốc, cần đi khám lại đúng hẹn",
];
/// What parents write, with the ages in months a line suits.
pub(crate) static CHILD_NOTES: [(&str, u32, u32); 11] = [
    ("Bé bú tốt, ngủ ngoan, đi ngoài 2 lần/ngày", 0, 5),
    ("Bé biết lẫy, thích chơi đồ chơi có tiếng kêu", 3, 6),
    ("Bé mọc chiếc răng đầu tiên, hơi quấy đêm", 5, 10),
    ("Bé bắt đầu ăn dặm bột gạo, ăn được nửa bát", 6, 8),
    ("Bé bò nhanh, thích vịn đứng", 8, 11),
    ("Bé chập chững những bước đầu tiên", 11, 15),
    (
        "Bé hơi sổ mũi, đã vệ sinh mũi bằng nước muối sinh lý",
        0,
        143,
    ),
    ("Bé nói được câu ngắn 3-4 từ", 24, 36),
    ("Bé tự xúc cơm, ăn hết suất", 24, 143),
    ("Bé đi bơi cùng bố cuối tuần, ngủ ngon", 48, 143),
    ("Cô giáo báo bé hay dụi mắt khi đọc bảng", 72, 143),
];
