// Swift tests of the HealthBook bindings. Run by `cargo xtask test` where `swiftc` exists;
// on machines without a Swift toolchain they are skipped and the run says so.

import Foundation
import HealthBook

var failures = 0

func test(_ name: String, _ body: () throws -> Void) {
    do {
        try body()
        print("ok      \(name)")
    } catch {
        failures += 1
        print("FAILED  \(name): \(error)")
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
}

func expect(_ condition: Bool, _ message: String) throws {
    if !condition { throw Failure(description: message) }
}

func newBookPath() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("healthbook-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("book.db").path
}

let key = Data((0..<32).map { UInt8($0) })
let otherKey = Data((0..<32).map { UInt8(255 - $0) })

test("a new book has no people") {
    let book = try HealthBook.open(path: newBookPath(), key: key)
    try expect(try book.people().isEmpty, "people in a new book")
}

test("a wrong key is WrongKey") {
    let path = newBookPath()
    _ = try HealthBook.open(path: path, key: key)
    do {
        _ = try HealthBook.open(path: path, key: otherKey)
        throw Failure(description: "a wrong key opened the book")
    } catch HealthBookError.WrongKey(let reason) {
        try expect(!reason.isEmpty, "the error says why")
    }
}

test("the sample family loads, pages and searches") {
    let book = try HealthBook.open(path: newBookPath(), key: key)
    let family = sampleFamily(seed: 42, today: "2026-11-22")
    for person in family.people { _ = try book.addPerson(person: person) }
    _ = try book.addRecords(records: family.records)
    guard let owner = try book.people().first(where: { $0.role == .owner }) else {
        throw Failure(description: "no owner")
    }
    let page = try book.timeline(personId: owner.id, query: TimelineQuery(limit: 50))
    try expect(page.entries.count == 50 && page.nextCursor != nil, "a full first page and a cursor")
    let hits = try book.search(personId: owner.id, text: "viem phoi", limit: 20)
    try expect(!hits.isEmpty, "search without diacritics finds Viêm phổi")
}

print("\(failures == 0 ? "all passed" : "\(failures) failed")")
exit(failures == 0 ? 0 : 1)
