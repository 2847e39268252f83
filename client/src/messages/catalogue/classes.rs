//! The class lines and remedies (DOMAIN D6): the manual's Japanese, byte
//! for byte where the manual has words, beside our English.

use crate::messages::class::{Class, Success};
use crate::messages::lang::Lang;

impl Class {
    /// The one-line message.
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            Class::Success(s) => success_message(s, lang),
            Class::Internal => lang.pick(
                "内部エラーが発生しました。",
                "internal error: this is a bug in certrenew",
            ),
            Class::Usage => lang.pick(
                "コマンドの指定が正しくありません。",
                "the command line cannot be carried out",
            ),
            Class::E115 => lang.pick(
                "115:データの問合せに失敗しました。",
                "115: the data query failed",
            ),
            Class::NoCert => lang.pick("証明書がありません。", "no certificate"),
            Class::E550A => lang.pick(
                "550:証明書ファイルは取得できませんでした。認証に失敗しました。",
                "550: the certificate file could not be obtained: authentication failed",
            ),
            Class::E550F => lang.pick(
                "550:証明書ファイルは取得できませんでした。証明書が作成されていないか、もしくは既に証明書を取得済みです。",
                "550: the certificate file could not be obtained: the certificate has not been created, or it was already obtained",
            ),
            Class::RootNotTrusted => lang.pick(
                "ルート証明書を信頼できないため、処理を中止しました。",
                "the CA's root certificate was not trusted, so the import was stopped",
            ),
            Class::EImport => lang.pick(
                "証明書をインポートできませんでした。",
                "the certificate could not be imported",
            ),
            Class::EConfirm => lang.pick(
                "確認ページで証明書が有効であることを確認できませんでした。",
                "the confirmation page did not confirm the certificate",
            ),
        }
    }

    /// The manual's remedy for the class (DOMAIN D6), as advice lines.
    pub fn remedy(self, lang: Lang) -> &'static [&'static str] {
        match (self, lang) {
            (Class::E115, Lang::Ja) => &[
                "webra2.secomtrust.net (HTTPS)、repo1.secomtrust.net (HTTP)、repository.secomtrust.net (HTTP) への通信を許可してください。",
                "ウイルス対策ソフトが通信を遮断している場合は一時的に停止して再度お試しください。ネットワークの設定で制限されている場合は設定を変更してください。",
            ],
            (Class::E115, Lang::En) => &[
                "allow traffic to webra2.secomtrust.net (HTTPS), repo1.secomtrust.net (HTTP) and repository.secomtrust.net (HTTP)",
                "antivirus software may be blocking it (pause it and retry), or network settings restrict access (change them)",
            ],
            (Class::NoCert, Lang::Ja) => &[
                "証明書のプロパティで有効期間の終了を確認してください。終了から 90 日以上経過している場合は、証明書の再発行を申請してください。",
                "証明書がこのコンピューターにない場合は、証明書がインストールされているコンピューターで実行してください。",
            ],
            (Class::NoCert, Lang::En) => &[
                "check the end of validity in the certificate's properties (certrenew list --all); 90 days or more after it, apply for a reissue",
                "if the certificate is not in this store, run on the machine that holds it (or import it first)",
            ],
            (Class::E550A, Lang::Ja) => &[
                "電子証明書有効期限 28 日前時点のログインパスワードと、正しい証明書を指定して再度お試しください。",
                "正しい入力でも失敗する場合は、証明書の再発行を申請してください。",
            ],
            (Class::E550A, Lang::En) => &[
                "retry with the login password as it was 28 days before the certificate's expiry, and the right certificate",
                "if it keeps failing with the right inputs, apply for a reissue",
            ],
            (Class::E550F, Lang::Ja) => &[
                "既に証明書を取得済みの場合は、確認ページ (certrenew verify) で新しい証明書を確認してください。",
                "インポートが完了していない場合は、証明書の再発行を申請してください。",
            ],
            (Class::E550F, Lang::En) => &[
                "if the certificate was already obtained, check the new one on the confirmation page (certrenew verify)",
                "if the import did not actually complete, apply for a reissue",
            ],
            (Class::EConfirm, Lang::Ja) => &[
                "SSL 状態のクリアを行い (certrenew verify --ssl-state DIR --clear-ssl-state)、すべてのブラウザーを閉じてから新しく開き、再度お試しください。",
            ],
            (Class::EConfirm, Lang::En) => &[
                "clear the SSL state (certrenew verify --ssl-state DIR --clear-ssl-state), close all browsers, open a new one and retry",
            ],
            _ => &[],
        }
    }
}

fn success_message(s: Success, lang: Lang) -> &'static str {
    match s {
        Success::Renewed => lang.pick(
            "証明書の更新とインポートが完了しました。",
            "the certificate was renewed and imported",
        ),
        Success::Listed => lang.pick("選択できる証明書:", "certificates to choose from:"),
        Success::Reachable => lang.pick(
            "すべての接続先に接続できました。",
            "all three hosts answered",
        ),
        Success::Confirmed => lang.pick(
            "確認ページで証明書が有効であることを確認しました。",
            "the confirmation page confirmed the certificate",
        ),
        Success::Imported => lang.pick(
            "証明書をインポートしました。",
            "the certificate was imported",
        ),
        Success::Exported => lang.pick(
            "証明書をエクスポートしました。",
            "the certificate was exported",
        ),
        Success::Roots => lang.pick("信頼するルート証明書:", "trusted root certificates:"),
        Success::RootAdded => lang.pick(
            "ルート証明書を信頼するルート証明書の一覧に追加しました。",
            "the root certificate is in the trust list",
        ),
    }
}
