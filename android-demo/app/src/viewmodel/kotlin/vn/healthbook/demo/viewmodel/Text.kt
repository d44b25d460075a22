// Text the screens show, in Vietnamese and English, and the messages a citizen sees for errors.
//
// The view models hand the UI both languages; the UI picks one with `LocalText.pick(locale)`.
// Error messages say what happened and what to do, never a stack trace or an internal code.

package vn.healthbook.demo.viewmodel

import vn.healthbook.HealthBookException
import java.time.LocalDate
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.Locale

/** The time zone of every date in the book. */
val VIETNAM: ZoneOffset = ZoneOffset.ofHours(7)

/** Today in Việt Nam: what the screens mean by "today". */
fun todayInVietnam(): LocalDate = LocalDate.now(VIETNAM)

data class LocalText(val vi: String, val en: String) {
    /** Vietnamese unless the locale is something else, then English. */
    fun pick(locale: Locale): String = if (locale.language == "vi") vi else en

    companion object {
        /** The same text in both languages: names, codes, numbers. */
        fun same(text: String) = LocalText(text, text)
    }
}

private val DAY_MONTH_YEAR: DateTimeFormatter = DateTimeFormatter.ofPattern("dd/MM/yyyy")

/** Dates as Vietnamese papers write them: 05/03/2024. */
fun LocalDate.display(): String = format(DAY_MONTH_YEAR)

/**
 * What to tell the citizen about [error]. [SignInAgain] marks the one error the UI answers with
 * a sign-in screen rather than a message.
 */
fun citizenMessage(error: Throwable): LocalText = when (error) {
    is HealthBookException.WrongKey -> LocalText(
        "Không mở được sổ sức khoẻ trên máy này: khoá bảo vệ không khớp. Dữ liệu của bạn không bị xoá.",
        "The health book on this phone could not be opened: its protection key does not match. Nothing was deleted.",
    )
    is HealthBookException.Validation -> LocalText(
        "Thông tin chưa hợp lệ (${error.field}): ${error.reason}",
        "This is not valid (${error.field}): ${error.reason}",
    )
    is HealthBookException.NotFound -> LocalText(
        "Không tìm thấy hồ sơ này trong sổ. Có thể nó đã bị xoá khi đồng bộ.",
        "This record is not in the book. It may have been removed by a sync.",
    )
    is HealthBookException.Network -> LocalText(
        "Không kết nối được máy chủ. Sổ của bạn vẫn xem được khi ngoại tuyến; hãy thử lại khi có mạng.",
        "Could not reach the server. Your book still works offline; try again when you are online.",
    )
    is HealthBookException.AuthExpired -> SIGN_IN_AGAIN
    is HealthBookException.Server -> LocalText(
        "Máy chủ đang gặp sự cố (mã ${error.status}). Sổ của bạn không thay đổi; hãy thử lại sau.",
        "The server has a problem (code ${error.status}). Your book is unchanged; try again later.",
    )
    is HealthBookException.Storage -> LocalText(
        "Không ghi được vào bộ nhớ máy. Hãy kiểm tra dung lượng trống rồi thử lại.",
        "Could not write to the phone's storage. Check the free space and try again.",
    )
    is HealthBookException.ShareExpired -> LocalText(
        "Mã chia sẻ đã hết hạn hoặc đã bị thu hồi.",
        "The share link has expired or was revoked.",
    )
    is HealthBookException.ShareUnreadable -> LocalText(
        "Không đọc được nội dung chia sẻ. Hãy nhờ người chia sẻ tạo mã mới.",
        "The shared content could not be read. Ask for a new share link.",
    )
    is HealthBookException.Cancelled -> STOPPED
    is HealthBookException.SyncInProgress -> LocalText(
        "Sổ đang được đồng bộ. Hãy đợi lần đồng bộ này xong.",
        "The book is already syncing. Wait for that sync to finish.",
    )
    is HealthBookException.Closed -> LocalText(
        "Sổ đã được khoá. Hãy mở lại sổ rồi thử lại.",
        "The book was locked. Open it again and try again.",
    )
    is HealthBookException.ReadOnly -> LocalText(
        "Sổ này chỉ xem được, không sửa được: người được quản lý đã đủ tuổi tự quản lý sổ.",
        "This book can be read but not changed: its holder now manages it themselves.",
    )
    is SignInRequired -> LocalText(
        "Hãy đăng nhập để đồng bộ và chia sẻ. Sổ trên máy vẫn xem được khi chưa đăng nhập.",
        "Sign in to sync and share. The book on this phone can be read without signing in.",
    )
    is DatabaseKeyUnavailable -> LocalText(
        "Không đọc được khoá bảo vệ sổ trên máy này (ví dụ sau khi khôi phục máy). Dữ liệu trên máy không bị xoá.",
        "The key that protects the book on this phone cannot be read (for example after the phone was restored). Nothing was deleted.",
    )
    else -> LocalText(
        "Đã có lỗi xảy ra. Sổ của bạn không thay đổi; hãy thử lại.",
        "Something went wrong. Your book is unchanged; try again.",
    )
}

/** True when the UI should show the sign-in screen rather than only a message. */
fun needsSignIn(error: Throwable): Boolean =
    error is HealthBookException.AuthExpired || error is SignInRequired

/** Raised by view models that need the server when nobody is signed in. */
class SignInRequired : Exception("sign in first")

/**
 * The platform key store could not give the book's key (the wrapping key is gone, the stored key
 * is damaged). Retrying will not help; the book's file is left as it is.
 */
class DatabaseKeyUnavailable(cause: Throwable) : Exception("the database key cannot be read", cause)

/** A sync or share stopped part-way, by the citizen or because its screen went away. */
internal val STOPPED = LocalText(
    "Đã dừng. Những gì đã đồng bộ xong vẫn được giữ.",
    "Stopped. What was already synced is kept.",
)

private val SIGN_IN_AGAIN = LocalText(
    "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại; sổ của bạn vẫn còn nguyên.",
    "Your sign-in has expired. Please sign in again; your book is intact.",
)
